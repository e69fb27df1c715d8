import { parseDocument, isMap, isSeq } from "yaml";
import { parseDurationMs } from "../../common/duration.ts";
import { HarnessError } from "../../common/errors.ts";

export interface RuleFor {
  alert: string;
  forMs: number;
}

/** Reads the `for` of named alerting rules from a Prometheus rule file (0 when a rule has none). */
export function readRuleFors(rulesYaml: string, alerts: readonly string[]): RuleFor[] {
  const doc = parseDocument(rulesYaml).toJS() as { groups?: { rules?: { alert?: string; for?: string }[] }[] };
  const rules = (doc.groups ?? []).flatMap((g) => g.rules ?? []);
  return alerts.map((alert) => {
    const rule = rules.find((r) => r.alert === alert);
    if (!rule) throw new HarnessError(`alerting rule ${alert} not found in the rule file (rules: ${rules.map((r) => r.alert ?? "(recording)").join(", ")})`);
    return { alert, forMs: rule.for ? (parseDurationMs(rule.for) ?? 0) : 0 };
  });
}

/**
 * A profile-specific short-`for` copy of a rule file: the named alerts get `for: <forText>`,
 * everything else (expressions, labels, other rules, comments) stays as in the manifest. The run
 * reports that it used the copy; the manifest itself is never edited.
 */
export function shortenRuleFor(rulesYaml: string, alerts: readonly string[], forText: string): string {
  const doc = parseDocument(rulesYaml);
  const groups = doc.get("groups");
  const found = new Set<string>();
  if (isSeq(groups)) {
    for (const group of groups.items) {
      const rules = isMap(group) ? group.get("rules") : undefined;
      if (!isSeq(rules)) continue;
      for (const rule of rules.items) {
        if (isMap(rule) && alerts.includes(String(rule.get("alert")))) {
          rule.set("for", forText);
          found.add(String(rule.get("alert")));
        }
      }
    }
  }
  const missing = alerts.filter((a) => !found.has(a));
  if (missing.length) throw new HarnessError(`cannot shorten for: alerting rule(s) ${missing.join(", ")} not in the rule file`);
  return doc.toString({ lineWidth: 0 });
}
