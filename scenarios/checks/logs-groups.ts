import { reachAll } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";
import { chooseLogAgent, runAgentLogCheck } from "./agent-logs-check.ts";
import { runLogChecks } from "./logs-checks.ts";

/** Log path: the canary pushes to Loki; query_range and the tail WebSocket each read it back (one check each). */
export function logsIngestionGroup() {
  return checkGroup({
    ids: ["logs.ingestion", "logs.ingestion.tail"],
    needs: (ctx) => reachAll({ loki: ctx.clients.loki, push: ctx.clients.lokiPush }),
    run: (ctx, { loki, push }, simulatedBy) => runLogChecks({ ...ctx, loki, pushUrl: push.url, simulatedBy: [...simulatedBy] }),
  });
}

/** Agent path: the canary appends to a pod's container log file, Promtail (or Vector) ships it to Loki. */
export function agentLogsGroup() {
  return checkGroup({
    ids: ["logs.ingestion.agent"],
    needs: (ctx) => reachAll({ loki: ctx.clients.loki, pod: ctx.instruments.agentPod }),
    run: async (ctx, { loki, pod }, simulatedBy) => {
      const choice = chooseLogAgent({ stack: ctx.stack, clients: ctx.clients, contract: ctx.contract, clock: ctx.clock });
      if ("notRun" in choice) return [choice.notRun];
      return [await runAgentLogCheck({ ...ctx, loki, ...choice, pod, simulatedBy: [...simulatedBy] })];
    },
  });
}
