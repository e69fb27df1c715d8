import path from "node:path";
import { describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { extractComponents } from "../../manifest/component-spec.ts";
import { loadManifests } from "../../manifest/load-manifests.ts";
import { checkEndpointsAgainstManifests, formatEndpointsFile, parseEndpointsFile } from "./endpoints-file.ts";

const FILE = "staging.yaml";
const env = { PROM_TOKEN: "s3cret", MIMIR_TENANT: "team-a", LOKI_USER: "u", LOKI_PASSWORD: "p" };
const parse = (text: string, e: Record<string, string | undefined> = env) => parseEndpointsFile(text, FILE, e);
const refusal = (text: string, e: Record<string, string | undefined> = env) => {
  try {
    parse(text, e);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("not refused");
};

describe("parseEndpointsFile", () => {
  it("should read URLs per Service port, credentials from the named environment variables and a stand-in's name", () => {
    const endpoints = parse(`
version: 1
components:
  prometheus:
    ports: { web: "https://prom.staging.example:9090/" }
    auth: { bearerTokenEnv: PROM_TOKEN }
  mimir:
    ports: { http: "http://127.0.0.1:8080/base" }
    headersEnv: { X-Scope-OrgID: MIMIR_TENANT }
  loki:
    ports: { http: "http://127.0.0.1:3100" }
    auth: { basic: { usernameEnv: LOKI_USER, passwordEnv: LOKI_PASSWORD } }
    substitute: loki-reference-sink
`);
    expect(endpoints).toEqual({
      file: FILE,
      components: {
        prometheus: {
          ports: { web: "https://prom.staging.example:9090" },
          headers: { Authorization: "Bearer s3cret" },
          credentialSources: ["Authorization (bearer) from $PROM_TOKEN"],
        },
        mimir: {
          ports: { http: "http://127.0.0.1:8080/base" },
          headers: { "X-Scope-OrgID": "team-a" },
          credentialSources: ["X-Scope-OrgID from $MIMIR_TENANT"],
        },
        loki: {
          ports: { http: "http://127.0.0.1:3100" },
          headers: { Authorization: `Basic ${Buffer.from("u:p").toString("base64")}` },
          credentialSources: ["Authorization (basic) from $LOKI_USER and $LOKI_PASSWORD"],
          substitute: "loki-reference-sink",
        },
      },
    });
  });

  it("should refuse credentials written in the file: a literal field, a URL with a user and password", () => {
    expect(refusal("version: 1\ncomponents:\n  grafana:\n    ports: { http: http://127.0.0.1:3000 }\n    auth: { password: admin }\n")).toBe(
      "staging.yaml: field components.grafana.auth.password: expected only bearerTokenEnv, basic here (credentials are named by environment variable, never written in this file), saw an unknown field",
    );
    expect(refusal("version: 1\ncomponents:\n  grafana:\n    ports: { http: http://admin:admin@127.0.0.1:3000 }\n")).toBe(
      "staging.yaml: field components.grafana.ports.http: expected a URL without a user or password (name credentials with auth: the environment variables that hold them), saw a URL with credentials in it",
    );
  });

  it("should refuse an unset variable, an unknown component, a bad URL, an unknown stand-in and a wrong version, naming the field", () => {
    expect(refusal("version: 1\ncomponents:\n  prometheus:\n    ports: { web: http://127.0.0.1:9090 }\n    auth: { bearerTokenEnv: PROM_TOKEN }\n", {})).toBe(
      "staging.yaml: field components.prometheus.auth.bearerTokenEnv: expected $PROM_TOKEN set in obsconf's environment, saw it unset or empty",
    );
    expect(refusal("version: 1\ncomponents:\n  thanos:\n    ports: { web: http://127.0.0.1:9090 }\n")).toBe(
      `staging.yaml: field components: expected component names of the manifests (${COMPONENT_NAMES.join(", ")}), saw "thanos"`,
    );
    expect(refusal("version: 1\ncomponents:\n  prometheus:\n    ports: { web: ftp://127.0.0.1 }\n")).toBe(
      'staging.yaml: field components.prometheus.ports.web: expected an http:// or https:// URL, saw "ftp://127.0.0.1"',
    );
    expect(refusal("version: 1\ncomponents:\n  mimir:\n    ports: { http: http://127.0.0.1:1 }\n    substitute: thanos\n")).toBe(
      'staging.yaml: field components.mimir.substitute: expected one of victoria-metrics (a stand-in obsconf knows for mimir), saw "thanos"',
    );
    expect(refusal("version: 2\ncomponents: {}\n")).toBe("staging.yaml: field version: expected 1, saw 2");
  });

  it("should check port names against the manifests' Services", async () => {
    const specs = extractComponents(await loadManifests(path.resolve(import.meta.dirname, "../../manifests")), COMPONENT_NAMES);
    expect(() =>
      checkEndpointsAgainstManifests(parse("version: 1\ncomponents:\n  prometheus:\n    ports: { web: http://127.0.0.1:9090 }\n"), specs),
    ).not.toThrow();
    expect(() => checkEndpointsAgainstManifests(parse("version: 1\ncomponents:\n  prometheus:\n    ports: { http: http://127.0.0.1:9090 }\n"), specs)).toThrow(
      'staging.yaml: field components.prometheus.ports: expected Service port names of prometheus in the manifests (web), saw "http"',
    );
  });

  it("should read back what formatEndpointsFile writes", () => {
    const text = formatEndpointsFile(
      { prometheus: { ports: { web: "http://127.0.0.1:9090" } }, tempo: { ports: { http: "http://127.0.0.1:3200" }, substitute: "tempo-reference-sink" } },
      "obsconf up",
    );
    expect(text.startsWith("# obsconf up\n")).toBe(true);
    expect(parse(text).components).toEqual({
      prometheus: { ports: { web: "http://127.0.0.1:9090" }, headers: {}, credentialSources: [] },
      tempo: { ports: { http: "http://127.0.0.1:3200" }, headers: {}, credentialSources: [], substitute: "tempo-reference-sink" },
    });
  });
});
