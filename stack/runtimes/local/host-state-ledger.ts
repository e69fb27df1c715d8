import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";

/** The run's record of what it made on the host, one JSON object a line, appended as each thing is made or undone. */
export const HOST_STATE_FILE = "host-state.jsonl";

/** One thing a run made on the host that must not outlive it. */
export type HostStateThing =
  /** A process it started: killed (its whole group when `group`) only while pid, start time and command line still match. */
  | { kind: "process"; label: string; pid: number; startTicks: string; argv: string[]; group: boolean }
  | { kind: "netns"; name: string }
  /** The host side of a veth pair (it survives `ip netns del` while a process still holds the namespace). */
  | { kind: "veth"; name: string }
  /** A mount on a directory the harness made: a tmpfs data dir (disk-full placement), a private dockerd's data root. */
  | { kind: "mount"; path: string };

export type HostStateKind = HostStateThing["kind"];

/** Who undid a thing: the harness itself, the reaper after the harness died, or `obsconf cleanup`. */
export type UndoneBy = "harness" | "reaper" | "cleanup";

export type LedgerLine =
  | { op: "owner"; pid: number; startTicks: string; argv: string[]; runId: string; atMs: number }
  | ({ op: "made"; id: string; atMs: number } & HostStateThing)
  | { op: "gone"; id: string; atMs: number; by: UndoneBy; detail?: string };

export type MadeLine = Extract<LedgerLine, { op: "made" }>;

export interface LedgerContents {
  file: string;
  owner?: Extract<LedgerLine, { op: "owner" }>;
  /** Things made and not recorded as undone, in the order they were made. */
  outstanding: MadeLine[];
  /** Lines that did not parse (a line cut by a kill mid-write), counted, never fatal. */
  unreadable: number;
}

/**
 * Appends to `<runDir>/host-state.jsonl` synchronously (appendFileSync), so a record is on disk
 * before the call returns and a SIGKILL right after it loses nothing.
 */
export class RunLedger {
  readonly file: string;

  constructor(readonly runDir: string) {
    this.file = path.join(runDir, HOST_STATE_FILE);
  }

  append(line: LedgerLine): void {
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
  }
}

/** Reads a ledger; a missing file reads as empty. */
export function readLedger(file: string): LedgerContents {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { file, outstanding: [], unreadable: 0 };
  }
  let owner: LedgerContents["owner"];
  const made = new Map<string, MadeLine>();
  let unreadable = 0;
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    let line: LedgerLine;
    try {
      line = JSON.parse(raw) as LedgerLine;
    } catch {
      unreadable++;
      continue;
    }
    if (line.op === "owner") owner = line;
    else if (line.op === "made") made.set(line.id, line);
    else if (line.op === "gone") made.delete(line.id);
  }
  return { file, ...(owner ? { owner } : {}), outstanding: [...made.values()], unreadable };
}

/** One line naming a thing: `process prometheus (pid 123)`, `netns obsconf-ab12cd-prometheus`. */
export function describeThing(thing: HostStateThing): string {
  switch (thing.kind) {
    case "process":
      return `process ${thing.label} (pid ${thing.pid})`;
    case "netns":
      return `network namespace ${thing.name}`;
    case "veth":
      return `veth ${thing.name}`;
    case "mount":
      return `mount ${thing.path}`;
  }
}
