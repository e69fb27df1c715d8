import { formatTable } from "../../common/text-table.ts";
import { validateStack } from "../../stack/index.ts";

export interface ValidateCommandOptions {
  manifests: string;
  ruleTests: string;
  bin: Record<string, string>;
}

/** `obsconf validate`: exit 0 when every check that ran passed, 1 when one failed. */
export async function validateCommand(options: ValidateCommandOptions): Promise<number> {
  const checks = await validateStack({ manifestsDir: options.manifests, ruleTestsDir: options.ruleTests, bins: options.bin });
  process.stdout.write(`${formatTable(["check", "status", "detail"], checks.map((c) => [c.title, c.status, c.status === "fail" ? "see below" : c.detail]), { maxWidth: 110 })}\n`);
  for (const failed of checks.filter((c) => c.status === "fail")) process.stdout.write(`\n${failed.title} failed:\n${failed.detail}\n`);
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  process.stdout.write(`\n${count("pass")} passed, ${count("fail")} failed, ${count("unsupported")} unsupported (not run here)\n`);
  return count("fail") > 0 ? 1 : 0;
}
