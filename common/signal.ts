/** The three signal kinds the harness writes and reads, plus alerts as a derived signal. */
export type SignalKind = "metrics" | "logs" | "traces";
export const SIGNAL_KINDS: readonly SignalKind[] = ["metrics", "logs", "traces"];
