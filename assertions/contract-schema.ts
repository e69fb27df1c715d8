import { z } from "zod";
import { parseDurationMs } from "../common/duration.ts";
import type { AlertChannel } from "./alert-sink/notification.ts";
import { STATED_TARGET_PATHS } from "./contract-targets.ts";

/**
 * What a valid `contract.yaml` looks like. Every message is the `expected` half of an InputError;
 * the `seen` half is read from the raw input at the issue's path (see contract.ts).
 */
const PROFILE_NOTE = " (a profile scales volumes and durations, never targets)";
export const REQUIRED_PROFILES = ["ci", "small", "documented"] as const;
export const ALERT_CHANNELS = ["pagerduty", "slack", "email", "webhook"] as const satisfies readonly AlertChannel[];

function strict<S extends z.ZodRawShape>(shape: S, note = "") {
  const keys = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `only the keys ${keys}${note}` : `a mapping with the keys ${keys}`),
  });
}

const duration = (example: string) => {
  const expected = `a duration like "${example}"`;
  return z
    .string({ error: expected })
    .refine((text) => (parseDurationMs(text) ?? 0) > 0, { error: expected })
    .transform((text) => parseDurationMs(text)!);
};
const positive = (what: string) => z.number({ error: `a positive number (${what})` }).positive({ error: `a positive number (${what})` });
const count = (what: string, min = 1) => {
  const expected = `a whole number >= ${min} (${what})`;
  return z.number({ error: expected }).int({ error: expected }).min(min, { error: expected });
};
const fraction = () => {
  const expected = "a fraction of the documented target in (0, 1]";
  return z.number({ error: expected }).gt(0, { error: expected }).max(1, { error: expected });
};
const scale = (of: string) => {
  const expected = `a scale in (0, 1] ${of}`;
  return z.number({ error: expected }).gt(0, { error: expected }).max(1, { error: expected });
};
const text = (what: string) => z.string({ error: what }).min(1, { error: what });

const targets = strict({
  latency: strict({
    ingestion: strict({ metrics: duration("30s"), logs: duration("30s"), traces: duration("30s") }),
    query: strict({ promql: duration("5s"), logql: duration("5s"), traceql: duration("5s"), grafana: duration("5s") }),
    alertDelivery: duration("30s"),
  }),
  query: strict({ concurrentUsers: count("concurrent query users") }),
  throughput: strict({
    metricsSamplesPerSec: positive("samples per second"),
    logsBytesPerDay: positive("bytes per day"),
    tracesSpansPerSec: positive("spans per second"),
  }),
  rpo: strict({ metrics: duration("5m"), logs: duration("1m"), traces: duration("1m") }),
  rto: duration("15m"),
  availabilityPercent: z
    .number({ error: "a percentage in (0, 100]" })
    .gt(0, { error: "a percentage in (0, 100]" })
    .max(100, { error: "a percentage in (0, 100]" }),
  retention: strict({ prometheus: duration("15d"), loki: duration("30d") }),
  scrapeInterval: strict({ prometheus: duration("30s") }),
  alertRoutes: z.array(
    strict({
      match: z.record(z.string(), z.string(), { error: "a mapping of label name to value (like { severity: critical })" }),
      channel: z.enum(ALERT_CHANNELS, { error: `one of ${ALERT_CHANNELS.join(", ")}` }),
      seed: text("the seed table and row this route comes from"),
    }),
    { error: "a list of required alert routes" },
  ),
});

const percent = (what: string) => {
  const expected = `a percentage in (0, 100] (${what})`;
  return z.number({ error: expected }).gt(0, { error: expected }).max(100, { error: expected });
};
const regression = strict({
  latencyP99: strict({ increasePercent: percent("how much the p99 may rise"), minIncrease: duration("100ms") }),
  throughput: strict({ decreasePercent: percent("how much accepted units/s may drop") }),
  availability: strict({ decreasePoints: percent("percentage points the success rate may lose") }),
  rpo: strict({ increase: duration("10s") }),
  rto: strict({ increasePercent: percent("how much longer recovery may take"), minIncrease: duration("30s") }),
});

const profile = strict(
  {
    description: text("a one-line description"),
    canaries: strict(
      {
        count: count("canaries per signal"),
        interval: duration("250ms"),
        pullScrapes: count("scrapes the pull canary spans"),
        pullSeries: count("pull canary series changing in each scrape cycle, each at its own phase").optional(),
        minSamples: count("the fewest samples a latency distribution may rest on (fewer: not pass)").optional(),
      },
      PROFILE_NOTE,
    ),
    query: strict({ users: count("concurrent query users"), duration: duration("15s") }, PROFILE_NOTE),
    load: strict(
      {
        duration: duration("15s"),
        offeredFraction: strict({ metrics: fraction(), logs: fraction(), traces: fraction() }, PROFILE_NOTE),
      },
      PROFILE_NOTE,
    ),
    chaos: strict({ faultDuration: duration("10s"), observeAfterHeal: duration("60s") }, PROFILE_NOTE),
    // A short-`for` copy of the alerting rules the run triggers; omitted = the manifest's own `for`.
    alerts: strict({ shortenForTo: duration("15s").optional() }, PROFILE_NOTE).optional(),
    // k3s: the containers' requests scaled in the rendering (never in the manifests) so the stack fits a
    // smaller engine; omitted = as the manifests write them.
    kube: strict({ requestsScale: scale("of the manifests' CPU and memory requests").optional() }, PROFILE_NOTE).optional(),
  },
  PROFILE_NOTE,
);

export const contractFileSchema = strict({
  version: z.string({ error: 'a semantic version 1.x.y (like "1.0.0")' }).regex(/^1\.\d+\.\d+$/, {
    error: 'a semantic version 1.x.y (like "1.0.0")',
  }),
  targets,
  // Optional so a contract without it still loads; `obsconf report diff` refuses to run without it.
  regression: regression.optional(),
  untargeted: z
    .record(z.string(), text("why checks with this id prefix have no target"), { error: "a mapping of check id prefix to the reason it has no target" })
    .optional(),
  seed: strict({
    file: text("the seed document's path"),
    rows: z.record(z.string(), text("the seed table and row"), { error: "a mapping of target path to seed row" }),
  }),
  profiles: z.record(z.string(), profile, { error: `a mapping of profile name to profile (${REQUIRED_PROFILES.join(", ")})` }),
}).superRefine((file, ctx) => {
  const stated: readonly string[] = STATED_TARGET_PATHS;
  for (const path of STATED_TARGET_PATHS) {
    if (file.seed.rows[path] === undefined) ctx.addIssue({ code: "custom", path: ["seed", "rows", path], message: "the seed table and row for this target" });
  }
  for (const key of Object.keys(file.seed.rows)) {
    if (!stated.includes(key))
      ctx.addIssue({ code: "custom", path: ["seed", "rows", key], message: `a row for a stated target (one of ${stated.join(", ")})` });
  }
  for (const channel of ALERT_CHANNELS) {
    if (!file.targets.alertRoutes.some((r) => r.channel === channel)) {
      ctx.addIssue({
        code: "custom",
        path: ["targets", "alertRoutes"],
        message: `a required route for every channel (${ALERT_CHANNELS.join(", ")}); no route for ${channel}`,
      });
    }
  }
  for (const name of REQUIRED_PROFILES) {
    if (file.profiles[name] === undefined)
      ctx.addIssue({ code: "custom", path: ["profiles", name], message: `the profile ${name} (profiles ${REQUIRED_PROFILES.join(", ")} are required)` });
  }
  for (const [name, p] of Object.entries(file.profiles)) {
    if (p.query.users < file.targets.query.concurrentUsers) {
      ctx.addIssue({
        code: "custom",
        path: ["profiles", name, "query", "users"],
        message: `at least ${file.targets.query.concurrentUsers} users (targets.query.concurrentUsers; profiles never lower it)`,
      });
    }
  }
  const documented = file.profiles.documented;
  if (documented?.kube?.requestsScale !== undefined && documented.kube.requestsScale !== 1) {
    ctx.addIssue({
      code: "custom",
      path: ["profiles", "documented", "kube", "requestsScale"],
      message: "no scaled requests (the documented profile runs the containers as the manifests request them)",
    });
  }
  if (documented?.alerts?.shortenForTo !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["profiles", "documented", "alerts", "shortenForTo"],
      message: "no shortened for (the documented profile exercises the rules as the manifests write them)",
    });
  }
  for (const signal of ["metrics", "logs", "traces"] as const) {
    if (documented !== undefined && documented.load.offeredFraction[signal] !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["profiles", "documented", "load", "offeredFraction", signal],
        message: "1 (the documented profile runs the seed's numbers at scale 1.0)",
      });
    }
  }
});

export type ContractFile = z.output<typeof contractFileSchema>;
export type ProfileFile = z.output<typeof profile>;
export type RegressionFile = z.output<typeof regression>;
