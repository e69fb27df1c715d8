// The reaper: a small detached process that outlives the harness by a moment (the testcontainers
// "Ryuk" pattern). The harness (reaper.ts) tells it, one JSON line at a time on its stdin, what it
// made on the host and what it undid. When the harness dies (its end of the pipe closes: SIGKILL,
// OOM killer, process.exit without cleanup), the reaper undoes what is still outstanding:
// SIGKILL to the recorded process groups whose start time and command line still match, then veths,
// network namespaces and tmpfs mounts, and records each in the run's host-state.jsonl. Plain
// JavaScript (no TypeScript loader) so it starts in ~0.1 s.
//   argv: <owner pid> <owner start ticks>
import { appendFileSync } from "node:fs";
import { readProcIdentity, undoOrder, undoThing } from "./host-state-undo.mjs";

const ownerPid = Number(process.argv[2]);
const ownerStartTicks = process.argv[3];
/** id -> { thing, ledger } */
const held = new Map();
let reaping = false;

// Detached (own session), so no terminal signal reaches it; these are ignored in case one is sent to a group.
for (const signal of ["SIGINT", "SIGHUP", "SIGPIPE"]) process.on(signal, () => {});

let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  for (let newline = buffer.indexOf("\n"); newline >= 0; newline = buffer.indexOf("\n")) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    handle(line);
  }
});
process.stdin.on("end", () => reap("its pipe closed"));
process.stdin.on("error", () => reap("its pipe failed"));

// Belt and braces: should anything keep the pipe open, the owner's pid is watched too.
const watch = setInterval(() => {
  const owner = readProcIdentity(ownerPid);
  if (owner === undefined || owner.state === "Z" || owner.startTicks !== ownerStartTicks) reap(`pid ${ownerPid} is gone`);
}, 1_000);

function handle(line) {
  if (line.trim() === "") return;
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.op === "add") held.set(message.id, { thing: message.thing, ledger: message.ledger });
  else if (message.op === "del") held.delete(message.id);
}

function reap(why) {
  if (reaping) return;
  reaping = true;
  clearInterval(watch);
  const entries = [...held.entries()];
  const ordered = undoOrder(entries.map(([id, entry]) => ({ ...entry.thing, __id: id })));
  for (const thing of ordered) {
    const id = thing.__id;
    const { ledger } = held.get(id);
    const { __id: _id, ...plain } = thing;
    let outcome;
    try {
      outcome = undoThing(plain);
    } catch (error) {
      outcome = { action: "failed", detail: String(error) };
    }
    // A failed undo stays outstanding in the ledger, for `obsconf cleanup --runtime local` to retry.
    if (ledger && outcome.action !== "failed") {
      try {
        appendFileSync(
          ledger,
          `${JSON.stringify({ op: "gone", id, atMs: Date.now(), by: "reaper", detail: `harness ${why}: ${outcome.action}: ${outcome.detail}` })}\n`,
        );
      } catch {
        /* the run directory is gone: nothing to record in */
      }
    }
  }
  process.exit(0);
}
