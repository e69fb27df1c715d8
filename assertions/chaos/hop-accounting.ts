import type { ExporterCounts } from "../../stack/clients/collector-counters.ts";
import { formatSeqs, type LossAccounting } from "./loss-accounting.ts";

/**
 * Loss per hop of the ML ingestion path across a fault (pure, no I/O): a canary exported over OTLP
 * into the collector, handed by its kafka exporter to the broker, read back off the topic.
 * - hop 1, OTLP export -> collector: what the collector acknowledged (2xx) is the canary ledger's `acked`;
 * - hop 2, collector -> broker: the collector's own counters over the phase (receiver accepted,
 *   kafka exporter sent / send failed / enqueue failed, still queued), deltas of two readings;
 * - hop 3, broker -> topic: which acknowledged canaries a consumer found on the topic (the loss
 *   accounting's found / lost / duplicated).
 * Where the acknowledged canaries that are missing were lost is read off the counters: an exporter
 * that counted failures (or still holds items) lost them in the collector; one that counted every
 * accepted item as sent, with acks=all, handed them to a broker that no longer has them.
 * The counters are the collector's, for every sender of the signal: in a drill the canary is the
 * only one, elsewhere they bound what the canary alone cannot see.
 */
export interface HopAccountingInput {
  exporter: string;
  topic: string;
  /** The canary's ledger against what was on the topic after heal. */
  accounting: LossAccounting;
  /** The collector's counts of the signal at the exporter before the canary's first write and after the read-back, or why they could not be read. */
  counters: { before: ExporterCounts; after: ExporterCounts } | { unread: string };
}

export type LossHop = "none" | "collector" | "broker" | "unknown";

export interface HopAccounting {
  /** Hop 1: canaries the collector acknowledged (2xx), and those it did not. */
  acknowledged: number;
  notAcknowledged: number;
  /**
   * Hop 2: the collector's counter deltas over the phase, and `held`: accepted minus what the exporter
   * resolved (sent, failed, not queued), i.e. still inside the collector (batching, queued, between
   * retries); or why there are none.
   */
  collector: ({ kind: "counted"; held: number } & ExporterCounts) | { kind: "unread"; reason: string };
  /** Hop 3: acknowledged canaries on the topic, lost ones, and records that carried a canary already seen. */
  onTopic: number;
  lostSeqs: number[];
  duplicateRecords: number;
  /** The hop that lost the missing acknowledged canaries, as far as the counters tell, and why. */
  lossAt: { hop: LossHop; why: string };
  /** Evidence lines, one per hop, then where the loss happened. */
  lines: string[];
}

export function accountHops(input: HopAccountingInput): HopAccounting {
  const { accounting: a, exporter, topic } = input;
  const c = a.comparison;
  const collector = deltas(input.counters);
  const lostSeqs = a.lost.map((l) => l.seq);
  const duplicateRecords = a.duplicated.reduce((sum, o) => sum + o.count - 1, 0);
  const lossAt = whereLost(lostSeqs.length, c.acked, collector, exporter);
  const lines = [
    `hop 1, OTLP export -> collector: ${c.acked} canaries acknowledged (2xx), ${c.rejected} rejected, ${c.failed} failed (no answer)`,
    collector.kind === "counted"
      ? `hop 2, collector -> broker (exporter ${exporter}), the collector's counters over the phase: receivers accepted ${collector.accepted}, sent ${collector.sent}, send failed ${collector.sendFailed}, enqueue failed ${collector.enqueueFailed}; ${collector.held} accepted items neither sent nor failed at the end (queue size ${collector.queued})`
      : `hop 2, collector -> broker (exporter ${exporter}): counters not compared (${collector.reason})`,
    `hop 3, topic ${topic}: ${c.found} of ${c.acked} acknowledged canaries on the topic, ${lostSeqs.length} lost${lostSeqs.length ? ` (seq ${formatSeqs(lostSeqs)})` : ""}, ${duplicateRecords} records carried a canary already on the topic${a.duplicated.length ? ` (seq ${formatSeqs(a.duplicated.map((o) => Number(o.seq ?? o.id)))})` : ""}`,
    ...(lossAt.hop === "none" ? [] : [`lost at: ${lossAt.hop} (${lossAt.why})`]),
  ];
  return { acknowledged: c.acked, notAcknowledged: c.rejected + c.failed, collector, onTopic: c.found, lostSeqs, duplicateRecords, lossAt, lines };
}

function deltas(counters: HopAccountingInput["counters"]): HopAccounting["collector"] {
  if ("unread" in counters) return { kind: "unread", reason: counters.unread };
  const { before, after } = counters;
  const keys = ["accepted", "sent", "sendFailed", "enqueueFailed"] as const;
  const back = keys.filter((k) => after[k] < before[k]);
  if (back.length > 0)
    return {
      kind: "unread",
      reason: `the collector's counters went back (${back.map((k) => `${k} ${before[k]} -> ${after[k]}`).join(", ")}): it restarted during the phase`,
    };
  const d = {
    accepted: after.accepted - before.accepted,
    sent: after.sent - before.sent,
    sendFailed: after.sendFailed - before.sendFailed,
    enqueueFailed: after.enqueueFailed - before.enqueueFailed,
  };
  return { kind: "counted", ...d, queued: after.queued, held: Math.max(0, d.accepted - d.sent - d.sendFailed - d.enqueueFailed) };
}

/**
 * Items the collector accepted since `before` that its exporter has neither sent nor given up on:
 * still inside it (batching, queued, between retries). Undefined when the counters went back.
 */
export function heldInCollector(before: ExporterCounts, after: ExporterCounts): number | undefined {
  const c = deltas({ before, after });
  return c.kind === "counted" ? c.held : undefined;
}

function whereLost(lost: number, acked: number, collector: HopAccounting["collector"], exporter: string): HopAccounting["lossAt"] {
  if (lost === 0) return { hop: "none", why: "every acknowledged canary is on the topic" };
  if (collector.kind === "unread")
    return { hop: "unknown", why: `${lost} acknowledged canaries missing; the collector's counters could not tell where (${collector.reason})` };
  const dropped = collector.sendFailed + collector.enqueueFailed;
  if (dropped > 0)
    return {
      hop: "collector",
      why: `the ${exporter} exporter gave up on ${collector.sendFailed} items after its retries and could not queue ${collector.enqueueFailed}: the collector acknowledged data it then dropped`,
    };
  if (collector.accepted < acked)
    return { hop: "collector", why: `the receivers counted ${collector.accepted} items accepted for ${acked} acknowledged canaries` };
  if (collector.held > 0)
    return {
      hop: "collector",
      why: `${collector.held} accepted items were neither sent nor failed by the ${exporter} exporter when the read ended: still held in the collector (batching, queued or waiting to retry), or dropped inside its pipeline without a count`,
    };
  return {
    hop: "broker",
    why: `the ${exporter} exporter counted all ${collector.accepted} accepted items as sent with no failure (acks=all: the broker had acknowledged them), yet ${lost} canaries are not on the topic`,
  };
}
