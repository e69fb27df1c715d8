import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { z } from "zod";

/**
 * Each fixture in fixtures/malformed/ breaks a fresh copy of stack/manifests in one way and states the
 * exact error `obsconf validate` must print. Adding a fixture file adds a test.
 */
const REPO = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(REPO, "bin", "obsconf.mjs");
const SHIPPED_MANIFESTS = path.join(REPO, "stack", "manifests");
const RULE_TESTS = path.join(REPO, "stack", "rule-tests");
const FIXTURES_DIR = path.join(import.meta.dirname, "fixtures", "malformed");
const TOOLS = { promtool: "/usr/bin/promtool", amtool: "/usr/bin/amtool" } as const;
const CLI_CONCURRENCY = 4;
const CLI_TIMEOUT_MS = 60_000;

const editSchema = z.union([
  z.object({ file: z.string().min(1), replace: z.string().min(1), with: z.string() }).strict(),
  z.object({ file: z.string().min(1), write: z.string() }).strict(),
]);
const fixtureSchema = z
  .object({
    description: z.string().min(1),
    /** Checker binaries the expected error comes from; the fixture is skipped when one is missing. */
    requires: z.array(z.enum(["promtool", "amtool"])).optional(),
    edits: z.array(editSchema).min(1),
    expect: z.string().min(1),
  })
  .strict();
type Fixture = z.infer<typeof fixtureSchema>;

const fixtureFiles = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const fixtures = fixtureFiles.map((file) => {
  const parsed = fixtureSchema.safeParse(parse(readFileSync(path.join(FIXTURES_DIR, file), "utf8")));
  if (!parsed.success)
    throw new Error(
      `fixtures/malformed/${file}: not a fixture (${parsed.error.issues.map((i) => `${i.path.join(".") || "top level"}: ${i.message}`).join("; ")})`,
    );
  return { file, fixture: parsed.data };
});

function missingTools(fixture: Fixture): (keyof typeof TOOLS)[] {
  return (fixture.requires ?? []).filter((tool) => !existsSync(TOOLS[tool]));
}
for (const { file, fixture } of fixtures) {
  const missing = missingTools(fixture);
  if (missing.length)
    console.warn(
      `skipping malformed fixture ${file}: ${missing.map((t) => TOOLS[t]).join(" and ")} not installed (apt-get install prometheus prometheus-alertmanager)`,
    );
}

/** At most `size` CLI runs at once: each costs about a second of CPU to start. */
function slots(size: number) {
  let free = size;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (free > 0) free -= 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}
const inSlot = slots(CLI_CONCURRENCY);

/** Copies the shipped manifests to `<root>/stack/manifests` and applies the fixture's edits in order. */
async function applyEdits(root: string, fixtureFile: string, edits: Fixture["edits"]): Promise<void> {
  const dir = path.join(root, "stack", "manifests");
  await cp(SHIPPED_MANIFESTS, dir, { recursive: true });
  for (const [index, edit] of edits.entries()) {
    const target = path.join(dir, edit.file);
    if ("write" in edit) {
      await writeFile(target, edit.write);
      continue;
    }
    const text = await readFile(target, "utf8");
    const count = text.split(edit.replace).length - 1;
    if (count !== 1)
      throw new Error(
        `${fixtureFile}: edit ${index + 1}: expected the replace text exactly once in ${edit.file}, found it ${count} times: ${JSON.stringify(edit.replace)}`,
      );
    await writeFile(
      target,
      text.replace(edit.replace, () => edit.with),
    );
  }
}

interface CliRun {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runValidate(cwd: string, tmp: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "validate", "--manifests", "stack/manifests", "--rule-tests", RULE_TESTS], {
      cwd,
      // The CLI's own temp dir, so a leftover obsconf-validate-* is this run's and no other test's.
      env: { ...process.env, TMPDIR: tmp },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: CLI_TIMEOUT_MS,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ pid: child.pid!, code, signal, stdout, stderr }));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose working directory is inside `root`: the CLI's children (promtool, amtool) run there. */
async function processesUnder(dir: string): Promise<string[]> {
  if (!existsSync("/proc")) return [];
  const root = await realpath(dir);
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => undefined);
    if (cwd !== undefined && (cwd === root || cwd.startsWith(`${root}${path.sep}`))) found.push(`${entry} (cwd ${cwd})`);
  }
  return found;
}

describe("malformed manifest fixtures", () => {
  it("should have at least 18 fixtures, each named NN-short-name.yaml", () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(18);
    expect(fixtureFiles.filter((f) => !/^\d{2}-[a-z0-9]+(-[a-z0-9]+)*\.yaml$/.test(f))).toEqual([]);
  });

  describe.concurrent("obsconf validate on a broken copy of stack/manifests", () => {
    for (const { file, fixture } of fixtures) {
      it.skipIf(missingTools(fixture).length > 0)(
        `should reject ${file.replace(/\.yaml$/, "")} (${fixture.description}) with its exact error`,
        async ({ expect }) => {
          const root = await mkdtemp(path.join(tmpdir(), "obsconf-malformed-"));
          try {
            const tmp = path.join(root, "tmp");
            await mkdir(tmp);
            await applyEdits(root, file, fixture.edits);

            const run = await inSlot(() => runValidate(root, tmp));

            expect({ code: run.code, signal: run.signal, stderr: run.stderr, stdout: run.stdout }).toEqual({
              code: 2,
              signal: null,
              stderr: `obsconf: error: ${fixture.expect}\n`,
              stdout: "",
            });
            expect(alive(run.pid)).toBe(false);
            expect(await processesUnder(root)).toEqual([]);
            expect((await readdir(tmp)).filter((name) => name.startsWith("obsconf-validate-"))).toEqual([]);
          } finally {
            await rm(root, { recursive: true, force: true });
          }
        },
        4 * CLI_TIMEOUT_MS,
      );
    }
  });
});
