import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { podLogFile } from "../../stack/runtimes/local/pod-log-path.ts";
import { systemClock, type Clock } from "../../common/clock.ts";
import { HarnessError } from "../../common/errors.ts";
import type { SendResult, Transport } from "./transport.ts";

/**
 * Writes log lines the way a container runtime (containerd/CRI-O) does, into the file the node's log
 * agents tail: `<rootDir>/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restartCount>.log`, which
 * matches Promtail's `__path__` (`/var/log/pods/*<uid>/<container>/*.log`, stack/manifests/promtail.yaml)
 * and Vector's `kubernetes_logs` source (hostPath /var/log, stack/manifests/vector.yaml). Each line is
 * `<RFC3339Nano UTC> <stream> F <line>`, the CRI format Promtail's `cri: {}` stage parses. Lines are
 * written whole with the `F` (full) tag; a runtime would split lines over 16 KiB into `P` parts.
 */
export interface PodLogFileTransportOptions {
  /** Stands in for the node's `/`; the runtime points the agents at `<rootDir>/var/log/pods`. */
  rootDir: string;
  namespace: string;
  pod: string;
  uid: string;
  container: string;
  /** Default `stdout`. */
  stream?: "stdout" | "stderr";
  /** The log file's name is `<restartCount>.log` (default 0), as kubelet names it. */
  restartCount?: number;
  clock?: Clock;
}

export interface PodLogFileTransport extends Transport, AsyncDisposable {
  /** Absolute path of the log file written. */
  readonly path: string;
  /** Appends one CRI line per line (a line holding `\n` becomes several), stamped `atNs` (default now), then fsyncs. */
  appendLines(lines: readonly string[], atNs?: bigint): Promise<SendResult>;
  close(): Promise<void>;
}

const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * `send(body)` takes UTF-8 text, one log line per `\n` (a final `\n` is optional) and appends it like
 * `appendLines`. An ok result carries status 0; a failed write or fsync is `retryable` with the error.
 * `timeoutMs` is not enforced (a local append is not cancellable).
 */
export function createPodLogFileTransport(options: PodLogFileTransportOptions): PodLogFileTransport {
  const { rootDir, namespace, pod, uid, container, stream = "stdout", restartCount = 0, clock = systemClock } = options;
  for (const [name, value] of Object.entries({ namespace, pod, uid, container })) {
    if (!SEGMENT.test(value))
      throw new HarnessError(`pod log file: expected ${name} to be a DNS-1123 name (lowercase alphanumerics, '-', '.'), saw ${JSON.stringify(value)}`);
  }
  if (!(Number.isInteger(restartCount) && restartCount >= 0)) throw new HarnessError(`pod log file: expected restartCount >= 0, saw ${restartCount}`);
  const path = podLogFile(rootDir, { namespace, name: pod, uid, container }, restartCount);
  const dir = dirname(path);
  let handle: Promise<FileHandle> | undefined;
  let closed = false;

  async function appendLines(lines: readonly string[], atNs?: bigint): Promise<SendResult> {
    if (closed) throw new HarnessError(`pod log file ${path} used after close()`);
    const prefix = `${formatRfc3339Nano(atNs ?? BigInt(Math.round(clock.nowMs())) * 1_000_000n)} ${stream} F `;
    const text = lines
      .flatMap((line) => line.split("\n"))
      .map((line) => `${prefix}${line}\n`)
      .join("");
    try {
      handle ??= mkdir(dir, { recursive: true }).then(() => open(path, "a"));
      const file = await handle.catch((error: unknown) => {
        handle = undefined; // a later send tries to open again
        throw error;
      });
      await file.write(text);
      await file.sync();
      return { kind: "ok", status: 0 };
    } catch (error) {
      return { kind: "retryable", reason: `file write to ${path} failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async function send(body: Uint8Array): Promise<SendResult> {
    const text = new TextDecoder().decode(body);
    return appendLines((text.endsWith("\n") ? text.slice(0, -1) : text).split("\n"));
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const file = await handle?.catch(() => undefined);
    await file?.close();
  }

  return { path, send, appendLines, close, [Symbol.asyncDispose]: close };
}

/** Go's `time.RFC3339Nano` in UTC: `2026-11-24T21:22:54.435Z` (fraction without trailing zeros, none if zero). */
export function formatRfc3339Nano(ns: bigint): string {
  if (ns < 0n) throw new HarnessError(`RFC3339Nano: expected a time at or after the epoch, saw ${ns} ns`);
  const seconds = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  const fraction = String(ns % 1_000_000_000n)
    .padStart(9, "0")
    .replace(/0+$/, "");
  return `${seconds}${fraction === "" ? "" : `.${fraction}`}Z`;
}
