import type { z } from "zod";
import { InputError, describeSeen, type InputLocation } from "../../common/errors.ts";

/** Renders a zod path the way Kubernetes users write field paths: `spec.containers[0].image`. */
export function formatFieldPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((out, segment) => {
    if (typeof segment === "number") return `${out}[${segment}]`;
    const key = String(segment);
    // Keys with dots or slashes (labels, annotations, ConfigMap keys) are written `["key"]`, as kubectl does.
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return `${out}[${JSON.stringify(key)}]`;
    return out === "" ? key : `${out}.${key}`;
  }, "");
}

export function valueAt(root: unknown, segments: readonly PropertyKey[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/**
 * Turns the first zod issue into the house error: file, document, field path, expected, seen.
 * Custom schema messages are written as the "expected" text; zod's own type errors are rephrased.
 */
export function zodIssueToInputError(issue: z.core.$ZodIssue, root: unknown, at: InputLocation): InputError {
  const field = formatFieldPath(issue.path);
  const seenValue = valueAt(root, issue.path);
  let expected = issue.message;
  if (issue.code === "invalid_type" && expected.startsWith("Invalid input")) expected = `a ${issue.expected}`;
  else if (issue.code === "unrecognized_keys") {
    return new InputError(
      { ...at, field: formatFieldPath([...issue.path, issue.keys[0]!]) },
      "no such field (not a known setting here)",
      describeSeen(valueAt(root, [...issue.path, issue.keys[0]!])),
    );
  } else if (issue.code === "invalid_union" && expected === "Invalid input") expected = "a value of one of the accepted forms";
  else if (issue.code === "invalid_value" && expected.startsWith("Invalid")) expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
  else if ((issue.code === "too_small" || issue.code === "too_big") && expected.startsWith("Too"))
    expected = expected.replace(/^Too (small|big): expected /, "");
  return new InputError({ ...at, field }, expected, describeSeen(seenValue));
}
