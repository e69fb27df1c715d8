import type { ComponentDef } from "./component-def.ts";

export const vector: ComponentDef = {
  name: "vector",
  title: "Vector",
  pillar: "logs",
  binaries: ["vector"],
  versionArgs: ["--version"],
  versionPattern: /vector (\d+\.\d+\.\d+)/,
};
