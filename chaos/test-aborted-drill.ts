/**
 * Test support, run as a child process by leftovers.test.ts: starts Prometheus with every kind
 * of placement, injects faults that hold host state (pause, partition, disk-full, delay), prints
 * `READY <json>` and waits to be interrupted (SIGINT, SIGTERM, SIGKILL), as a drill aborted with
 * Ctrl-C or cancelled by CI would be. With the argument `exit`, it calls process.exit(7) at once
 * instead, stopping and healing nothing. With `slow-stop`, its graceful stop takes 4 s longer
 * (a hook of phase "faults", as a slow heal would), so signals sent during the stop land in it.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LocalRuntime, onShutdown, reaperPid } from "../stack/index.ts";
import { createFault, mergePlacements, parseFaultSpec } from "./index.ts";
import { MANIFESTS } from "./test-stack.ts";

const faults = ["partition:prometheus", "disk-full:prometheus:16MiB", "delay:prometheus:100ms", "pause:prometheus"].map((text) =>
  createFault(parseFaultSpec(text, { file: "test" })),
);
const needs = (await Promise.all(faults.map((f) => f.preflight()))).flatMap((p) => (p.status === "supported" ? p.needs : []));
const runsDir = await mkdtemp(path.join(tmpdir(), "obsconf-aborted-drill-"));
const stack = await LocalRuntime.start({ manifestsDir: MANIFESTS, runsDir, only: ["prometheus"], placements: mergePlacements(needs) });
const control = stack.control("prometheus")!;
const pid = control.pid();
for (const fault of faults) await fault.inject(stack);
process.stdout.write(
  `READY ${JSON.stringify({ pid, netns: control.netns()?.name, veth: control.netns()?.hostVeth, tmpfs: control.tmpfs()?.paths, runsDir, runId: stack.runId, runDir: stack.runDir, reaperPid: reaperPid() })}\n`,
);
if (process.argv[2] === "exit") process.exit(7);
if (process.argv[2] === "slow-stop") onShutdown(() => new Promise((resolve) => setTimeout(resolve, 4_000)), { phase: "faults" });
setTimeout(() => process.exit(3), 60_000); // bounded: the test interrupts long before
