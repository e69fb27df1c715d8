import type { InventoryEntry } from "../../assertions/run-result.ts";
import type { ComponentStatus } from "../../stack/started-stack.ts";

/** The report's component inventory: version, how each ran, and why not when it did not. */
export function inventoryOf(statuses: readonly ComponentStatus[]): InventoryEntry[] {
  return statuses.map(({ plan, status }) => {
    const entry: InventoryEntry = {
      component: plan.component,
      image: plan.image,
      manifestVersion: plan.manifestVersion,
      runAs: plan.mode === "unavailable" ? "unavailable" : plan.mode,
    };
    if (plan.mode === "process" || plan.mode === "substitute") {
      entry.binary = plan.binary;
      if (plan.binaryVersion) entry.binaryVersion = plan.binaryVersion;
    }
    if (plan.mode === "process") entry.versionMismatch = plan.versionMismatch;
    if (plan.mode === "substitute") {
      entry.substitute = plan.substitute;
      entry.reason = `${plan.reason}; ${plan.describe}`;
    }
    if (status.state === "unavailable" || status.state === "not-started") entry.reason = status.reason;
    if (status.state === "error") {
      entry.runAs = "error";
      entry.reason = status.error;
    }
    return entry;
  });
}
