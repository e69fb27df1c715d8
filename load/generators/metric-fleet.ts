import { HarnessError } from "../../common/errors.ts";
import { PrecompressedWriteRequest } from "../encode/precompressed-write-request.ts";
import { compileSeries, type SeriesTemplate } from "../../stack/clients/remote-write-encoding.ts";
import type { ServiceModel } from "../model/service-model.ts";

export interface MetricFleetOptions {
  seriesCount: number;
  /** Series per request (each request is a fixed group, like one shard's batch). */
  seriesPerRequest: number;
  model: ServiceModel;
  /** Distinct `pod` values per service and generation. */
  podCardinality: number;
  metricNames: number;
  /** Share of series given a new label set (a new `pod`) per pass, in [0, 1). */
  churnPerPass: number;
  /** Keeps workers' series disjoint (`generator` label). */
  shardIndex: number;
}

/**
 * The series a metrics generator sends, as fixed request groups that are compiled once
 * (`PrecompressedWriteRequest`). A pass sends every group once; at the start of each pass `churnPerPass`
 * of the series (a contiguous block, like a rollout replacing one deployment's pods) get a new pod name,
 * and only the groups holding them are recompiled.
 *   {__name__="obsconf_load_<metric>", namespace, service, pod="<service>-g<gen>-<n>", generator, series}
 */
export class MetricFleet {
  readonly groups: PrecompressedWriteRequest[] = [];
  readonly #generation: Uint32Array;
  readonly #options: MetricFleetOptions;
  #churnCursor = 0;
  #churnCarry = 0;
  /** Series replaced so far. */
  churnedSeries = 0;

  constructor(options: MetricFleetOptions) {
    const { seriesCount, seriesPerRequest, podCardinality, metricNames, churnPerPass } = options;
    if (!(Number.isInteger(seriesCount) && seriesCount >= 1))
      throw new HarnessError(`metrics load: expected seriesCount to be an integer >= 1, saw ${seriesCount}`);
    if (!(Number.isInteger(seriesPerRequest) && seriesPerRequest >= 1))
      throw new HarnessError(`metrics load: expected samplesPerRequest to be an integer >= 1, saw ${seriesPerRequest}`);
    if (!(Number.isInteger(podCardinality) && podCardinality >= 1))
      throw new HarnessError(`metrics load: expected podCardinality to be an integer >= 1, saw ${podCardinality}`);
    if (!(Number.isInteger(metricNames) && metricNames >= 1))
      throw new HarnessError(`metrics load: expected metricNames to be an integer >= 1, saw ${metricNames}`);
    if (!(churnPerPass >= 0 && churnPerPass < 1)) throw new HarnessError(`metrics load: expected churnPerPass in [0, 1), saw ${churnPerPass}`);
    if (options.model.services.length === 0) throw new HarnessError("metrics load: expected a service model with at least one service, saw none");
    this.#options = options;
    this.#generation = new Uint32Array(seriesCount);
    for (let start = 0; start < seriesCount; start += seriesPerRequest) this.groups.push(this.#buildGroup(start));
  }

  get seriesCount(): number {
    return this.#options.seriesCount;
  }

  /** Call once per pass, before its first group: replaces the next block of series and recompiles their groups. */
  churn(): void {
    const { seriesCount, churnPerPass, seriesPerRequest } = this.#options;
    this.#churnCarry += churnPerPass * seriesCount;
    const count = Math.min(seriesCount, Math.floor(this.#churnCarry));
    if (count === 0) return;
    this.#churnCarry -= count;
    const dirty = new Set<number>();
    for (let k = 0; k < count; k++) {
      const i = (this.#churnCursor + k) % seriesCount;
      this.#generation[i]! += 1;
      dirty.add(Math.floor(i / seriesPerRequest));
    }
    this.#churnCursor = (this.#churnCursor + count) % seriesCount;
    this.churnedSeries += count;
    for (const g of dirty) this.groups[g] = this.#buildGroup(g * seriesPerRequest);
  }

  seriesAt(i: number): SeriesTemplate {
    const { model, podCardinality, metricNames, shardIndex } = this.#options;
    const service = model.services[i % model.services.length]!;
    return compileSeries({
      __name__: `obsconf_load_metric_${i % metricNames}`,
      namespace: model.namespace,
      service,
      pod: `${service}-g${this.#generation[i]}-${Math.floor(i / model.services.length) % podCardinality}`,
      generator: String(shardIndex),
      series: String(i),
    });
  }

  #buildGroup(start: number): PrecompressedWriteRequest {
    const end = Math.min(this.#options.seriesCount, start + this.#options.seriesPerRequest);
    const series: SeriesTemplate[] = [];
    for (let i = start; i < end; i++) series.push(this.seriesAt(i));
    return PrecompressedWriteRequest.build(series);
  }
}
