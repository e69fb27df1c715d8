export interface StratifiedScheduleInput {
  /** When the target last saw a scrape (wall clock ms). */
  lastScrapeAtMs: number;
  /** The scraper's interval (the running config's scrape_interval). */
  scrapeIntervalMs: number;
  /** Values to expose. */
  count: number;
  /** Values exposed in each scrape cycle, each on its own series at its own phase (default 1). */
  perCycle?: number;
  nowMs: number;
  /** No exposure is scheduled sooner than this after `nowMs` (default 100 ms). */
  leadMs?: number;
}

export interface StratifiedSchedule {
  /** Wall-clock ms at which value i is exposed, ascending. */
  atMs: number[];
  /** Where in the scrape cycle value i is exposed, as ms after the predicted scrape before it. */
  phasesMs: number[];
  /** The predicted scrape that collects value i (the one after its exposure). */
  predictedScrapeAtMs: number[];
}

/**
 * Places pull-canary exposures at stratified phases of the scrape cycle: the cycle is cut into
 * `count` strata and each value is exposed at one stratum's midpoint after a predicted scrape.
 * `perCycle` series each take one value per cycle (value i: cycle i / perCycle, series i % perCycle),
 * so every value is scraped before the next on its series replaces it, and `count` samples cover
 * the cycle evenly in count / perCycle cycles. A scraper keeps a fixed cadence per target (Prometheus
 * offsets each target by a hash, then ticks every interval), so the next scrapes are the last one
 * seen plus whole intervals.
 *
 * Why: exposure -> readable is the wait for the next scrape (0 to one interval, set by where in the
 * cycle a value happens to change) plus the pipeline. With a handful of values placed at random the
 * phase decides the verdict by luck; placed at the strata midpoints the samples cover the cycle
 * evenly, the same way on every run. The cycle's first and last 1/(2 count) are not sampled: the
 * worst case (exposed just after a scrape) is reported as a bound, interval + slowest scrape -> readable.
 */
export function stratifiedExposureTimes({
  lastScrapeAtMs,
  scrapeIntervalMs,
  count,
  perCycle = 1,
  nowMs,
  leadMs = 100,
}: StratifiedScheduleInput): StratifiedSchedule {
  // Value i: cycle floor(i / perCycle); its phase stratifies the cycle over all the values one series takes,
  // the series interleaved: series k's values sit at k/perCycle of a cycle's strata.
  const strata = count;
  const phasesMs = Array.from({ length: count }, (_, i) => {
    const stratum = (i % perCycle) * Math.ceil(strata / perCycle) + Math.floor(i / perCycle);
    return ((stratum + 0.5) / strata) * scrapeIntervalMs;
  });
  // The latest predicted scrape at or before now; start in its cycle if phase 0 is still far enough ahead.
  let cycleStartMs = lastScrapeAtMs + Math.floor((nowMs - lastScrapeAtMs) / scrapeIntervalMs) * scrapeIntervalMs;
  if (count > 0 && cycleStartMs + phasesMs[0] < nowMs + leadMs) cycleStartMs += scrapeIntervalMs;
  const cycleOf = (i: number) => Math.floor(i / perCycle);
  const atMs = phasesMs.map((phase, i) => Math.round(cycleStartMs + cycleOf(i) * scrapeIntervalMs + phase));
  const predictedScrapeAtMs = phasesMs.map((_, i) => cycleStartMs + (cycleOf(i) + 1) * scrapeIntervalMs);
  return { atMs, phasesMs, predictedScrapeAtMs };
}
