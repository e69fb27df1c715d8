import { formatLogCanaryLine, msToNsString } from "../../common/canary-format.ts";
import type { PodLogFileTransport } from "../transport/file-transport.ts";
import { runCanaryLoop, type CanaryWriterOptions, type CanaryWriterSummary } from "./canary-loop.ts";

export interface PodLogCanaryWriterOptions extends Omit<CanaryWriterOptions, "transport"> {
  /** The pod log file the node's agents tail. */
  transport: PodLogFileTransport;
}

export interface StartedPodLogCanaryWriter extends AsyncDisposable {
  readonly done: Promise<CanaryWriterSummary>;
  stop(): Promise<CanaryWriterSummary>;
}

/**
 * The log canary for the agent path: every tick appends ONE line, `formatLogCanaryLine(seq, tsNs,
 * runId)` (the same line the push canary sends), to a container log file, as a program in a pod
 * writing to stdout would; the agents (Promtail, Vector) ship it to Loki. Each append goes in the
 * ledger as `logs`/`agent`, id = String(seq): acked = written and fsynced (there is no receiver's
 * acknowledgement on this path; what the agents lose shows as missing).
 */
export class PodLogCanaryWriter {
  constructor(private readonly options: PodLogCanaryWriterOptions) {}

  async start(): Promise<StartedPodLogCanaryWriter> {
    const { runId } = this.options;
    const canary = runCanaryLoop({ ...this.options, signal: "logs", stream: "agent" }, (n, writtenAtMs) => ({
      body: new TextEncoder().encode(formatLogCanaryLine(n, msToNsString(writtenAtMs), runId)),
      id: String(n),
    }));
    return { ...canary, [Symbol.asyncDispose]: async () => void (await canary.stop()) };
  }
}
