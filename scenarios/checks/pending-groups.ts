import { notRun } from "../../assertions/checks/check-builder.ts";
import { catalogTarget, identityOf, type CheckId } from "../../assertions/checks/check-catalog.ts";
import { absent, ready } from "../../stack/clients/reach.ts";
import { checkGroup } from "../shared/check-group.ts";

/**
 * Checks of components this build does not check yet: `unavailable` with the plan's reason when the
 * component is absent, `unsupported` when it runs (it is there, the check is not).
 */
const PENDING: readonly { id: CheckId; component: string }[] = [{ id: "query.grafana", component: "grafana" }];

export function pendingGroups() {
  return PENDING.map(({ id, component }) =>
    checkGroup({
      ids: [id],
      needs: (ctx) => (ctx.clients.isReady(component) ? ready(component) : absent(ctx.clients.absence(component))),
      run: async (ctx) => [
        notRun(
          identityOf(id, ctx.clock.nowMs()),
          "unsupported",
          `${component} runs, but this version of obsconf has no such check yet`,
          catalogTarget(ctx.contract, id),
        ),
      ],
    }),
  );
}
