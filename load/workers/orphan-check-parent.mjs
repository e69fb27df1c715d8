// Test support for run-in-workers.test.ts: starts two long-running generator workers against a
// loopback port nobody answers quickly, prints their pids, and waits to be killed.
import { register } from "tsx/esm/api";

register();
const { runInWorkers } = await import("./run-in-workers.ts");
const { createServer } = await import("node:http");
const server = createServer(() => {}); // never answers: sends stay in flight
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const pids = [];
void runInWorkers({
  job: {
    signal: "traces",
    options: { url: `http://127.0.0.1:${server.address().port}/v1/traces`, spansPerSec: 100, spansPerRequest: 10, durationMs: 120_000 },
  },
  workers: 2,
  onWorkerStart: (pid) => {
    pids.push(pid);
    if (pids.length === 2) setTimeout(() => process.stdout.write(`pids ${pids[0]} ${pids[1]}\n`), 1_500);
  },
}).catch(() => {});
