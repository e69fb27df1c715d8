import type { ComponentDef } from "./component-def.ts";
import { adaptVectorConfig } from "./vector-local-config.ts";

export const vector: ComponentDef = {
  name: "vector",
  title: "Vector",
  pillar: "logs",
  binaries: ["vector"],
  versionArgs: ["--version"],
  versionPattern: /vector (\d+\.\d+\.\d+)/,
  adaptConfigFile: (file, context) =>
    /\.ya?ml$/.test(file.path) && /kubernetes_logs/.test(file.content) ? adaptVectorConfig(file.content, context) : file.content,
};
