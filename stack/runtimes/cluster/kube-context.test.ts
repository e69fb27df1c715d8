import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeKubeContext, loadKubeContext } from "./kube-context.ts";

describe("loadKubeContext", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-kube-context-"));
    file = path.join(dir, "config");
    await writeFile(
      file,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: dev",
        "clusters:",
        "- name: dev-c",
        "  cluster: { server: https://dev.example:6443 }",
        "- name: staging-c",
        "  cluster: { server: https://staging.example:6443 }",
        "users:",
        "- name: u",
        "  user: { token: t }",
        "contexts:",
        "- name: dev",
        "  context: { cluster: dev-c, user: u }",
        "- name: staging",
        "  context: { cluster: staging-c, user: u }",
      ].join("\n"),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("should use the current context, or the one --context names", () => {
    expect(describeKubeContext(loadKubeContext({ kubeconfigFile: file }))).toBe("context dev (cluster dev-c, https://dev.example:6443)");
    expect(describeKubeContext(loadKubeContext({ kubeconfigFile: file, context: "staging" }))).toBe(
      "context staging (cluster staging-c, https://staging.example:6443)",
    );
  });

  it("should refuse an unknown context, naming the ones there are, and a missing kubeconfig rather than guess a cluster", () => {
    expect(() => loadKubeContext({ kubeconfigFile: file, context: "prod" })).toThrow(
      `command line: field --context: expected a context of ${file} (dev, staging), saw "prod"`,
    );
    const missing = path.join(dir, "nope");
    expect(() => loadKubeContext({ kubeconfigFile: missing })).toThrow(
      `${missing}: expected a kubeconfig (set KUBECONFIG or create ~/.kube/config, as for kubectl), saw no such file`,
    );
  });
});
