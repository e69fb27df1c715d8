/**
 * Harness faults are exceptions; expected outcomes are data. Two kinds of exception cross the CLI:
 * - `InputError`: the user's input is wrong (manifest, contract, scenario, flag). Exit code 2.
 * - `HarnessError`: the harness itself could not do its job (a port, a process, a timeout). Exit code 2.
 * Both carry what failed, what was expected and what was seen, and keep `{ cause }`.
 */
export interface InputLocation {
  /** File path as the user gave it (relative paths stay relative). */
  file: string;
  /** 1-based YAML document index inside a multi-document file, when there is one. */
  document?: number;
  /** `Kind namespace/name` of the object, when known. */
  object?: string;
  /** Dotted field path, e.g. `spec.template.spec.containers[0].image`. */
  field?: string;
}

export function formatLocation(at: InputLocation): string {
  const parts = [at.file];
  if (at.document !== undefined) parts.push(`document ${at.document}${at.object ? ` (${at.object})` : ""}`);
  if (at.field !== undefined && at.field !== "") parts.push(`field ${at.field}`);
  return parts.join(": ");
}

export class InputError extends Error {
  override name: string = "InputError";
  readonly exitCode = 2;
  constructor(
    readonly at: InputLocation,
    readonly expected: string,
    readonly seen: string,
    options?: { cause?: unknown },
  ) {
    super(`${formatLocation(at)}: expected ${expected}, saw ${seen}`, options);
  }
}

export class HarnessError extends Error {
  override name: string = "HarnessError";
  readonly exitCode = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Raised when a deadline passes: `what not ready after Nms (last: ...)`. */
export class TimeoutError extends HarnessError {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly last: string,
    options?: { cause?: unknown },
  ) {
    super(`${what} after ${timeoutMs}ms (last: ${last})`, options);
  }
}

/** Short, quoted rendering of a seen value for error text. */
export function describeSeen(value: unknown, maxChars = 80): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}
