import { describe, expect, it } from "vitest";
import { systemClock } from "../../common/clock.ts";
import type { ActiveTarget } from "../../stack/clients/prometheus-parse.ts";
import { scrapingJobInterval } from "./metrics-groups.ts";

const CONFIG = `global:
  scrape_interval: 30s
scrape_configs:
  - job_name: monitoring-services
  - job_name: obsconf-pull-canary
    scrape_interval: 2m
`;

const target = (scrapeIntervalMs: number | undefined): ActiveTarget => ({
  scrapePool: "obsconf-pull-canary",
  scrapeUrl: "http://127.0.0.1:40001/metrics",
  health: "up",
  labels: {},
  discoveredLabels: {},
  lastError: "",
  lastScrapeAtMs: undefined,
  lastScrapeDurationMs: 0,
  scrapeIntervalMs,
});

function prometheus(targets: ActiveTarget[], config = CONFIG) {
  const answer = <T>(data: T) => Promise.resolve({ data, durationMs: 1, warnings: [] as string[] });
  return { config: () => answer(config), targets: () => answer(targets) };
}

describe("scrapingJobInterval (the pull check's bound)", () => {
  const ctx = { clock: systemClock };

  it("should take the interval of the job that scrapes the canary, not the global one (negative control: a per-job override)", async () => {
    expect(await scrapingJobInterval(prometheus([target(undefined)]), "127.0.0.1:40001", ctx)).toEqual({
      ms: 120_000,
      source: "job obsconf-pull-canary's scrape_interval",
    });
  });

  it("should prefer the interval /api/v1/targets reports for the target", async () => {
    expect(await scrapingJobInterval(prometheus([target(15_000)]), "127.0.0.1:40001", ctx)).toEqual({
      ms: 15_000,
      source: "job obsconf-pull-canary's interval in /api/v1/targets",
    });
  });

  it("should fall back to the global interval, saying why, when the job sets none", async () => {
    const config = CONFIG.replace("    scrape_interval: 2m\n", "");
    expect(await scrapingJobInterval(prometheus([target(undefined)], config), "127.0.0.1:40001", ctx)).toEqual({
      ms: 30_000,
      source: "global scrape_interval (job obsconf-pull-canary sets none)",
    });
  });
});
