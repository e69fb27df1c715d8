import { securityChecks } from "../../assertions/security/index.ts";
import { formatTable } from "../../common/text-table.ts";
import { loadManifests, validateStack, type ValidationCheck } from "../../stack/index.ts";

export interface ValidateCommandOptions {
  manifests: string;
  ruleTests: string;
  bin: Record<string, string>;
}

/** The `security.*` check group over the manifests, as validate's rows: a failure's detail lists every finding. */
export async function securityValidationChecks(manifestsDir: string): Promise<ValidationCheck[]> {
  return securityChecks(await loadManifests(manifestsDir)).map((c) => {
    const findings = c.evidence.filter((e) => e.kind === "file").map((e) => `- ${e.text}`);
    const checked = c.evidence.find((e) => e.kind === "note" && e.text.startsWith("checked: "))?.text.slice("checked: ".length) ?? "";
    const exempted = c.evidence.filter((e) => e.kind === "note" && e.text.startsWith("exempted by annotation: ")).length;
    const detail = c.status === "fail" ? findings.join("\n") : `${checked}${exempted > 0 ? ` (${exempted} exempted by annotation, with reasons)` : ""}`;
    return { id: c.id, title: `${c.id}: ${c.title}`, status: c.status === "fail" ? "fail" : "pass", detail };
  });
}

/** `obsconf validate`: exit 0 when every check that ran passed, 1 when one failed. */
export async function validateCommand(options: ValidateCommandOptions): Promise<number> {
  const checks = [
    ...(await validateStack({ manifestsDir: options.manifests, ruleTestsDir: options.ruleTests, bins: options.bin })),
    ...(await securityValidationChecks(options.manifests)),
  ];
  process.stdout.write(
    `${formatTable(
      ["check", "status", "detail"],
      checks.map((c) => [c.title, c.status, c.status === "fail" ? "see below" : c.detail]),
      { maxWidth: 110 },
    )}\n`,
  );
  for (const failed of checks.filter((c) => c.status === "fail")) process.stdout.write(`\n${failed.title} failed:\n${failed.detail}\n`);
  const count = (status: string) => checks.filter((c) => c.status === status).length;
  process.stdout.write(`\n${count("pass")} passed, ${count("fail")} failed, ${count("unsupported")} unsupported (not run here)\n`);
  return count("fail") > 0 ? 1 : 0;
}
