import { describe, expect, it } from "vitest";
import { loadContract } from "../contract.ts";
import { lokiRetentionCheck } from "./loki-retention-check.ts";

const contract = loadContract();

describe("lokiRetentionCheck", () => {
  it("should pass 720h with the compactor's retention enabled", async () => {
    const check = await lokiRetentionCheck({
      contract,
      fetchConfig: async () => "limits_config:\n  retention_period: 720h\ncompactor:\n  retention_enabled: true\n",
    });
    expect(check.status).toBe("pass");
    expect(check.evidence[0]!.text).toBe("GET /config: limits_config.retention_period=720h compactor.retention_enabled=true");
  });

  it("should fail a shorter period, and retention the compactor does not apply", async () => {
    const check = await lokiRetentionCheck({ contract, fetchConfig: async () => "limits_config:\n  retention_period: 168h\n" });
    expect(check.status).toBe("fail");
    expect(check.reason).toBe("compactor.retention_enabled is not true, so no retention is applied; retention_period 168h, the contract asks 30d");
  });

  it("should report a config it cannot read as error", async () => {
    const check = await lokiRetentionCheck({ contract, fetchConfig: async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:3100")) });
    expect(check).toMatchObject({ status: "error", reason: "connect ECONNREFUSED 127.0.0.1:3100" });
  });
});
