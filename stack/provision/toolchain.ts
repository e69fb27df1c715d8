import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import path from "node:path";

/**
 * The toolchains provisioning uses, found on PATH (Go also at its usual install path). Each lookup
 * says what it found or why it is not usable, so a fallback is never silent.
 */
export type ToolLookup = { ok: true; path: string; version: string } | { ok: false; reason: string };

/** Go 1.24 brought the go.mod `tool` directive the project modules use. */
export const MIN_GO: readonly [number, number] = [1, 24];
/** Kafka 4.0's broker needs Java 17. */
export const MIN_JAVA = 17;

export interface Toolchain {
  go: ToolLookup;
  mvn: ToolLookup;
  java: ToolLookup;
}

export async function findToolchain(env: NodeJS.ProcessEnv = process.env): Promise<Toolchain> {
  const [go, mvn, java] = await Promise.all([findGo(env), findMaven(env), findJava(env)]);
  return { go, mvn, java };
}

export async function findGo(env: NodeJS.ProcessEnv = process.env): Promise<ToolLookup> {
  const file = (await onPath("go", env)) ?? (await executable("/usr/local/go/bin/go"));
  if (!file) return { ok: false, reason: "no go on PATH or at /usr/local/go/bin/go" };
  const out = await run(file, ["env", "GOVERSION"], env);
  const m = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(out);
  if (!m) return { ok: false, reason: `${file} env GOVERSION printed ${JSON.stringify(out.trim().slice(0, 120))}, not a Go version` };
  const [major, minor] = [Number(m[1]), Number(m[2])];
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1]))
    return { ok: false, reason: `${file} is ${m[0]}; the project modules need go${MIN_GO.join(".")} or later` };
  return { ok: true, path: file, version: m[0] };
}

export async function findMaven(env: NodeJS.ProcessEnv = process.env): Promise<ToolLookup> {
  const file = await onPath("mvn", env);
  if (!file) return { ok: false, reason: "no mvn on PATH (Debian: apt-get install maven)" };
  const out = await run(file, ["-v"], env);
  const m = /Apache Maven (\d+\.\d+\.\d+)/.exec(out);
  return m
    ? { ok: true, path: file, version: `Apache Maven ${m[1]}` }
    : { ok: false, reason: `${file} -v printed ${JSON.stringify(out.trim().slice(0, 120))}` };
}

export async function findJava(env: NodeJS.ProcessEnv = process.env): Promise<ToolLookup> {
  const file = await onPath("java", env);
  if (!file) return { ok: false, reason: `no java on PATH (Kafka needs Java ${MIN_JAVA}+; Debian: apt-get install openjdk-17-jre-headless)` };
  const out = await run(file, ["-version"], env);
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(out);
  if (!m) return { ok: false, reason: `${file} -version printed ${JSON.stringify(out.trim().slice(0, 120))}` };
  const major = Number(m[1]) === 1 ? Number(m[2]) : Number(m[1]);
  if (major < MIN_JAVA) return { ok: false, reason: `${file} is Java ${major}; Kafka needs Java ${MIN_JAVA} or later` };
  return { ok: true, path: file, version: `Java ${major}` };
}

async function onPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = await executable(path.join(dir, name));
    if (file) return file;
  }
  return undefined;
}

async function executable(file: string): Promise<string | undefined> {
  try {
    await access(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
  });
}
