import { describe, expect, it } from "vitest";
import { loadContract, untargetedReason } from "../contract.ts";
import { CHAOS_CHECKS, CHECKS, catalogTarget, checkDef, type CheckId } from "./check-catalog.ts";

describe("check catalog", () => {
  const contract = loadContract();

  it("should give every check a contract target or the contract's row saying why it has none", () => {
    const gaps = (Object.keys(CHECKS) as CheckId[]).filter((id) => catalogTarget(contract, id) === undefined && checkDef(id).targetFrom === undefined && untargetedReason(contract, id) === undefined);
    expect(gaps).toEqual([]);
    expect(Object.keys(CHAOS_CHECKS).filter((kind) => untargetedReason(contract, `chaos.kill-prometheus.${kind}`) === undefined)).toEqual([]);
  });

  it("should pick the longest matching untargeted prefix and match whole id segments only", () => {
    const rows = { untargeted: [{ prefix: "security.", reason: "static", source: "c#untargeted.security." }, { prefix: "alerts.delivery.email", reason: "summary", source: "c#untargeted.alerts.delivery.email" }] };
    expect(untargetedReason(rows, "security.rbac")?.reason).toBe("static");
    expect(untargetedReason(rows, "alerts.delivery.email")?.reason).toBe("summary");
    expect(untargetedReason(rows, "alerts.delivery.emailx")).toBeUndefined();
    expect(untargetedReason(rows, "alerts.delivery.pagerduty")).toBeUndefined();
  });
});
