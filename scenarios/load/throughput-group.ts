import { notRun } from "../../assertions/checks/check-builder.ts";
import { catalogTarget, identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { checkGroup } from "../shared/check-group.ts";
import type { LoadGate } from "./load-gate.ts";
import type { SignalLoad } from "./load-plan.ts";
import type { LoadSource } from "./load-source.ts";
import { measureThroughput } from "./throughput-run.ts";

export interface ThroughputGroupOptions {
  load: SignalLoad;
  durationMs: number;
  /** The run's load source, decided once the stack runs (the k6-operator is a property of the cluster). */
  source: () => Promise<LoadSource>;
  gate: LoadGate;
  onSample: (sample: { signal: string; elapsedMs: number; acceptedPerSec: number; offeredPerSec: number }) => void;
  note: (id: string, text: string) => void;
}

/** One signal's throughput at the profile's rate, accepted per the receiver's own counter. */
export function throughputGroup(o: ThroughputGroupOptions) {
  const id: CheckId = `throughput.${o.load.signal}`;
  return checkGroup({
    ids: [id],
    needs: (ctx) => ctx.clients.receivers[o.load.signal],
    run: async (ctx, receiver) => {
      const arrived = o.gate.expect();
      try {
        const source = await o.source();
        if (source.kind === "unavailable") return [notRun(identityOf(id, ctx.clock.nowMs()), "unavailable", source.reason, catalogTarget(ctx.contract, id))];
        const { title, pillar } = identityOf(id, 0);
        return [
          await measureThroughput({
            identity: { id, title, pillar },
            load: o.load,
            profile: ctx.profile.name,
            durationMs: o.durationMs,
            receiver,
            generate: source.generate(o.load),
            notes: [source.describe(o.load)],
            clock: ctx.clock,
            onSample: o.onSample,
            onArriving: ({ seen, afterMs }) => {
              o.note(
                id,
                seen
                  ? `load seen arriving at the receiver ${(afterMs / 1000).toFixed(1)}s after the generator was started (worker start-up)`
                  : "the load was never seen arriving at the receiver's counter",
              );
              arrived();
            },
          }),
        ];
      } finally {
        arrived();
      }
    },
  });
}
