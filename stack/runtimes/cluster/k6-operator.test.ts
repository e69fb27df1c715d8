import { describe, expect, it } from "vitest";
import { startKubeApiDouble } from "../kube-api/kube-api-double.ts";
import { k6OperatorState } from "./k6-operator.ts";

describe("k6OperatorState", () => {
  it("should say the operator is not installed when there is no TestRun CRD", async () => {
    await using api = await startKubeApiDouble();
    expect(await k6OperatorState(api.kubeConfig())).toEqual({
      installed: false,
      detail: "no CRD testruns.k6.io on the cluster (the k6-operator is not installed)",
    });
  });

  it("should name the served versions of the TestRun CRD when the operator is installed", async () => {
    await using api = await startKubeApiDouble();
    api.seed({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "testruns.k6.io" },
      spec: {
        group: "k6.io",
        versions: [
          { name: "v1alpha1", served: true },
          { name: "v0", served: false },
        ],
      },
    });
    expect(await k6OperatorState(api.kubeConfig())).toEqual({ installed: true, detail: "CRD testruns.k6.io serves v1alpha1" });
  });
});
