import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./test-support/run-cli.ts";

const DEPCRUISE = path.join(REPO_ROOT, "node_modules", ".bin", "depcruise");

/** The module map's rules (.dependency-cruiser.cjs) really bite: a layer importing across the map is named with the rule. */
describe("module map (dependency-cruiser)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "obsconf-module-map-"));
    for (const layer of ["assertions", "load", "common"]) await mkdir(path.join(dir, layer));
    await copyFile(path.join(REPO_ROOT, ".dependency-cruiser.cjs"), path.join(dir, ".dependency-cruiser.cjs"));
    await copyFile(path.join(REPO_ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    await writeFile(path.join(dir, "common", "ledger.ts"), "export interface Ledger { size: number }\n");
    await writeFile(path.join(dir, "load", "writer.ts"), 'import type { Ledger } from "../common/ledger.ts";\nexport const write = (l: Ledger) => l.size;\n');
    await writeFile(
      path.join(dir, "assertions", "reader.ts"),
      'import type { Ledger } from "../common/ledger.ts";\nexport const read = (l: Ledger) => l.size;\n',
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const cruise = () =>
    promisify(execFile)(DEPCRUISE, ["common", "load", "assertions", "--output-type", "err"], { cwd: dir }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  it("should pass layers that share a type through common/", async () => {
    expect((await cruise()).code).toBe(0);
  });

  it("should fail, naming the file and the rule, when assertions/ imports from load/", async () => {
    await writeFile(path.join(dir, "assertions", "reader.ts"), 'import { write } from "../load/writer.ts";\nexport const read = write;\n');
    const { code, stdout } = await cruise();
    expect(code).not.toBe(0);
    expect(stdout).toContain("error assertions-imports-common-and-stack: assertions/reader.ts → load/writer.ts");
  });
});
