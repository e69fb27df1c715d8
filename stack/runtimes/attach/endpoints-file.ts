import { readFileSync } from "node:fs";
import { parseDocument, stringify } from "yaml";
import { describeSeen, InputError } from "../../../common/errors.ts";
import { COMPONENT_NAMES, componentDef } from "../../components/index.ts";
import type { ComponentSpec } from "../../manifest/component-spec.ts";

/**
 * The endpoints file of `--runtime attach` (YAML or JSON): where each component of a stack obsconf did
 * not start answers, and which environment variables hold its credentials. Credentials are never in
 * the file: only the names of the variables (`auth.bearerTokenEnv`, `auth.basic.{usernameEnv,passwordEnv}`,
 * `headersEnv`), read when the file is loaded. A URL with a user or password in it is refused.
 *
 * ```yaml
 * version: 1
 * components:
 *   prometheus:
 *     ports: { web: "https://prometheus.staging.example:9090" }
 *     auth: { bearerTokenEnv: PROMETHEUS_TOKEN }
 *   mimir:
 *     ports: { http: "https://mimir.staging.example" }
 *     headersEnv: { X-Scope-OrgID: MIMIR_TENANT }
 *   loki:
 *     ports: { http: "http://127.0.0.1:3100" }
 *     substitute: loki-reference-sink   # a stand-in: checks through it are `simulated`
 * ```
 */
export const ENDPOINTS_FILE_VERSION = 1;

export interface AttachedComponent {
  /** Service port name (as in the manifests) -> base URL, no trailing slash. */
  ports: Readonly<Record<string, string>>;
  /** Headers for every request to the component, values read from the environment (secret: never printed or reported). */
  headers: Readonly<Record<string, string>>;
  /** The environment variables the headers came from, for the report (`Authorization from $PROMETHEUS_TOKEN`). */
  credentialSources: readonly string[];
  /** A stand-in the file says answers for the component (a reference sink, VictoriaMetrics for Mimir). */
  substitute?: string;
}

export interface AttachEndpoints {
  /** The file as the user named it. */
  file: string;
  components: Readonly<Record<string, AttachedComponent>>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and checks an endpoints file; any problem is an InputError naming the file, the field, what was expected and seen (exit 2). */
export function loadEndpointsFile(file: string, env: Env = process.env): AttachEndpoints {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError({ file, field: "--endpoints" }, "a readable endpoints file (YAML or JSON)", (error as NodeJS.ErrnoException).code ?? String(error), {
      cause: error,
    });
  }
  return parseEndpointsFile(text, file, env);
}

export function parseEndpointsFile(text: string, file: string, env: Env = process.env): AttachEndpoints {
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new InputError({ file }, "valid YAML or JSON", `${doc.errors[0]!.code} at line ${doc.errors[0]!.linePos?.[0]?.line ?? "?"}`, {
      cause: doc.errors[0],
    });
  const raw: unknown = doc.toJS();
  const refuse: Refuse = (field, expected, seen) => {
    throw new InputError({ file, field }, expected, seen);
  };
  const top = asObject(raw, "", "a mapping with version and components", refuse);
  onlyKeys(top, "", ["version", "components"], refuse);
  if (top.version !== ENDPOINTS_FILE_VERSION) refuse("version", `${ENDPOINTS_FILE_VERSION}`, describeSeen(top.version));
  const components = asObject(top.components, "components", "a mapping of component name -> { ports, auth?, headersEnv?, substitute? }", refuse);
  if (Object.keys(components).length === 0) refuse("components", "at least one component", "none");
  const out: Record<string, AttachedComponent> = {};
  for (const [name, value] of Object.entries(components)) {
    const at = `components.${name}`;
    if (!COMPONENT_NAMES.includes(name)) refuse("components", `component names of the manifests (${COMPONENT_NAMES.join(", ")})`, JSON.stringify(name));
    const c = asObject(value, at, "a mapping with ports (and auth, headersEnv, substitute)", refuse);
    onlyKeys(c, at, ["ports", "auth", "headersEnv", "substitute"], refuse);
    const ports = asObject(c.ports, `${at}.ports`, "a mapping of Service port name -> URL", refuse);
    if (Object.keys(ports).length === 0) refuse(`${at}.ports`, "at least one port", "none");
    const urls: Record<string, string> = {};
    for (const [port, url] of Object.entries(ports)) urls[port] = checkUrl(url, `${at}.ports.${port}`, refuse);
    const headers: Record<string, string> = {};
    const sources: string[] = [];
    const fromEnv = (field: string, variable: unknown): string => {
      if (typeof variable !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
        refuse(field, "the name of an environment variable (credentials are read from the environment, never from this file)", describeSeen(variable));
      const value = env[variable as string];
      if (value === undefined || value === "") refuse(field, `$${variable as string} set in obsconf's environment`, "it unset or empty");
      return value!;
    };
    if (c.auth !== undefined) {
      const auth = asObject(c.auth, `${at}.auth`, "a mapping with bearerTokenEnv or basic", refuse);
      onlyKeys(auth, `${at}.auth`, ["bearerTokenEnv", "basic"], refuse);
      if ((auth.bearerTokenEnv === undefined) === (auth.basic === undefined))
        refuse(`${at}.auth`, "exactly one of bearerTokenEnv or basic", Object.keys(auth).join(", ") || "neither");
      if (auth.bearerTokenEnv !== undefined) {
        headers.Authorization = `Bearer ${fromEnv(`${at}.auth.bearerTokenEnv`, auth.bearerTokenEnv)}`;
        sources.push(`Authorization (bearer) from $${auth.bearerTokenEnv as string}`);
      } else {
        const basic = asObject(auth.basic, `${at}.auth.basic`, "a mapping with usernameEnv and passwordEnv", refuse);
        onlyKeys(basic, `${at}.auth.basic`, ["usernameEnv", "passwordEnv"], refuse);
        const user = fromEnv(`${at}.auth.basic.usernameEnv`, basic.usernameEnv);
        const password = fromEnv(`${at}.auth.basic.passwordEnv`, basic.passwordEnv);
        headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
        sources.push(`Authorization (basic) from $${basic.usernameEnv as string} and $${basic.passwordEnv as string}`);
      }
    }
    if (c.headersEnv !== undefined) {
      const named = asObject(c.headersEnv, `${at}.headersEnv`, "a mapping of header name -> environment variable name", refuse);
      for (const [header, variable] of Object.entries(named)) {
        if (!/^[A-Za-z0-9-]+$/.test(header) || header.toLowerCase() === "authorization")
          refuse(`${at}.headersEnv`, "header names (Authorization goes in auth)", JSON.stringify(header));
        headers[header] = fromEnv(`${at}.headersEnv.${header}`, variable);
        sources.push(`${header} from $${variable as string}`);
      }
    }
    const substitute = c.substitute;
    if (substitute !== undefined) {
      const known = componentDef(name).substitutes?.map((s) => s.name) ?? [];
      if (typeof substitute !== "string" || !known.includes(substitute))
        refuse(
          `${at}.substitute`,
          known.length ? `one of ${known.join(", ")} (a stand-in obsconf knows for ${name})` : `nothing (obsconf knows no stand-in for ${name})`,
          describeSeen(substitute),
        );
    }
    out[name] = { ports: urls, headers, credentialSources: sources, ...(typeof substitute === "string" ? { substitute } : {}) };
  }
  return { file, components: out };
}

/**
 * The file's ports checked against the manifests: each port name is one of the component's Service
 * ports, so checks find what they look for (`prometheus` -> `web`). Refused before anything starts.
 */
export function checkEndpointsAgainstManifests(endpoints: AttachEndpoints, specs: readonly ComponentSpec[]): void {
  for (const [name, component] of Object.entries(endpoints.components)) {
    const spec = specs.find((s) => s.name === name);
    if (!spec)
      throw new InputError(
        { file: endpoints.file, field: "components" },
        `components of the manifests (${specs.map((s) => s.name).join(", ")})`,
        JSON.stringify(name),
      );
    const known = [...new Set(spec.services.flatMap((svc) => svc.ports.map((p) => p.name)))];
    for (const port of Object.keys(component.ports)) {
      if (!known.includes(port))
        throw new InputError(
          { file: endpoints.file, field: `components.${name}.ports` },
          `Service port names of ${name} in the manifests (${known.join(", ")})`,
          JSON.stringify(port),
        );
    }
  }
}

/** The endpoints file text for a running stack (`obsconf up --endpoints-out`): URLs only, never a credential. */
export function formatEndpointsFile(
  components: Readonly<Record<string, { ports: Readonly<Record<string, string>>; substitute?: string }>>,
  comment: string,
): string {
  return `# ${comment}\n${stringify({ version: ENDPOINTS_FILE_VERSION, components })}`;
}

/** Refuses the file: `seen` is already rendered for the message. */
type Refuse = (field: string, expected: string, seen: string) => never;

function asObject(value: unknown, field: string, expected: string, refuse: Refuse): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) refuse(field, expected, describeSeen(value));
  return value as Record<string, unknown>;
}

function onlyKeys(value: Record<string, unknown>, field: string, allowed: readonly string[], refuse: Refuse): void {
  const extra = Object.keys(value).filter((k) => !allowed.includes(k));
  if (extra.length > 0)
    refuse(
      field ? `${field}.${extra[0]}` : extra[0]!,
      `only ${allowed.join(", ")} here (credentials are named by environment variable, never written in this file)`,
      "an unknown field",
    );
}

function checkUrl(value: unknown, field: string, refuse: Refuse): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    return refuse(field, "an http:// or https:// URL", describeSeen(value));
  }
  if (typeof value !== "string" || (url.protocol !== "http:" && url.protocol !== "https:")) refuse(field, "an http:// or https:// URL", describeSeen(value));
  if (url.username !== "" || url.password !== "")
    refuse(field, "a URL without a user or password (name credentials with auth: the environment variables that hold them)", "a URL with credentials in it");
  if (url.search !== "" || url.hash !== "") refuse(field, "a base URL without query or fragment", describeSeen(value));
  return url.href.replace(/\/+$/, "");
}
