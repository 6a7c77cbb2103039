import type { PodsApi } from '../../adapters/chaos/kubernetes-pods.ts';
import { scrapeMetrics } from '../../adapters/chaos/metrics-scraper.ts';
import type { PromQuery } from '../../adapters/chaos/prometheus-query.ts';
import { TritonClient } from '../../adapters/triton/client.ts';
import { measureGatewayProbe } from '../../core/chaos/gateway-measures.ts';
import { readPromResult } from '../../core/chaos/promql-result.ts';
import { type Scrape, windowStart } from '../../core/chaos/samples.ts';
import type { Reading } from '../../core/chaos/verdict.ts';
import { relativeReading } from '../../core/chaos/verdict.ts';
import { isGatewayProbe, type ProbeSpec } from '../../core/spec/kinds/chaos/probes.ts';
import type { Phase } from '../../core/spec/kinds/chaos-experiment.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { GatewayAdminPort, ProbePort } from './ports.ts';

/**
 * Reads the number behind each probe. Gateway probes difference two scrapes of the
 * gateway's /metrics from a ring the runner fills every probe interval; the others ask
 * Prometheus, Triton or the admin API at the moment of the check. Failures become
 * `error` readings: a probe never throws into the run.
 */
export interface ProbeSources {
  gatewayUrl?: string;
  pods?: PodsApi;
  admin?: Pick<GatewayAdminPort, 'getWeights'>;
  prometheus?: PromQuery;
  tritonUrl?: () => string | undefined;
  defaultModel: string;
  defaultWindowSeconds: number;
  minRequests: number;
}

export class ProbeReader implements ProbePort {
  private readonly sources: ProbeSources;
  private readonly scrapes: Scrape[] = [];
  private scrapeError: string | undefined;
  private readonly baselines = new Map<string, Reading>();
  private keepSeconds: number;
  private scraping: Promise<void> = Promise.resolve();
  /** The scrape at the start of each phase: hypothesis probes and baselines span the whole phase. */
  private readonly phaseStarts = new Map<Phase, Scrape>();

  constructor(sources: ProbeSources, keepSeconds: number) {
    this.sources = sources;
    this.keepSeconds = keepSeconds;
  }

  get needsScrapes(): boolean {
    return this.sources.gatewayUrl !== undefined;
  }

  /** One scrape at a time, so the ring stays in time order. */
  scrape(atMs: () => number): Promise<void> {
    this.scraping = this.scraping.then(() => this.scrapeNow(atMs()));
    return this.scraping;
  }

  private async scrapeNow(atMs: number): Promise<void> {
    if (!this.sources.gatewayUrl) return;
    try {
      const samples = await scrapeMetrics(`${this.sources.gatewayUrl}/metrics`);
      this.scrapes.push({ atMs, samples });
      this.scrapeError = undefined;
      while (this.scrapes.length > 2 && atMs - (this.scrapes[0] as Scrape).atMs > this.keepSeconds * 1000)
        this.scrapes.shift();
    } catch (error) {
      this.scrapeError = `gateway ${this.sources.gatewayUrl}/metrics: ${(error as Error).message}`;
    }
  }

  /** The latest scrape starts `phase`: gateway probes without their own window read from there. */
  markPhase(phase: Phase): void {
    const last = this.scrapes[this.scrapes.length - 1];
    if (last) this.phaseStarts.set(phase, last);
  }

  /** Stores the before-phase value of every probe that is read `relativeTo: before`. */
  async captureBaselines(probes: ProbeSpec[]): Promise<void> {
    for (const probe of probes) {
      if (!('relativeTo' in probe) || probe.relativeTo !== 'before') continue;
      const key = JSON.stringify({ ...probe, relativeTo: undefined });
      if (this.baselines.has(key)) continue;
      this.baselines.set(key, await this.absolute(probe, 'before', true));
    }
  }

  /**
   * The probe's number now. Gateway probes with a `window` read that sliding window; without
   * one they read everything since `phase` started (a p99 or a ratio over the whole phase,
   * as an SLO is judged: three seconds of 40 requests cannot tell a p99).
   */
  async read(probe: ProbeSpec, phase?: Phase): Promise<Reading> {
    const reading = await this.absolute(probe, phase, false);
    if ('relativeTo' in probe && probe.relativeTo === 'before') {
      return relativeReading(reading, this.baselines.get(JSON.stringify({ ...probe, relativeTo: undefined })));
    }
    return reading;
  }

  private async absolute(probe: ProbeSpec, phase: Phase | undefined, wholePhase: boolean): Promise<Reading> {
    if (isGatewayProbe(probe)) {
      if (!this.sources.gatewayUrl) return { kind: 'error', why: 'no gateway URL to scrape' };
      const last = this.scrapes[this.scrapes.length - 1];
      if (this.scrapeError) return { kind: 'error', why: this.scrapeError };
      if (!last) return { kind: 'no_data', why: 'no scrape of the gateway yet' };
      const windowSeconds = probe.window ? parseDuration(probe.window) : this.sources.defaultWindowSeconds;
      const since = phase ? this.phaseStarts.get(phase) : undefined;
      const from =
        since && (wholePhase || !probe.window) ? since : windowStart(this.scrapes, last, windowSeconds * 1000);
      if (!from) return { kind: 'no_data', why: 'only one scrape of the gateway so far' };
      const m = measureGatewayProbe(
        probe,
        from,
        last,
        probe.model ?? this.sources.defaultModel,
        this.sources.minRequests,
      );
      return m.kind === 'value'
        ? { kind: 'value', value: m.value, n: m.n, windowSeconds: m.spanSeconds, detail: m.detail }
        : { kind: 'no_data', n: m.n, windowSeconds: m.spanSeconds, why: m.why };
    }
    try {
      switch (probe.type) {
        case 'promql': {
          if (!this.sources.prometheus) return { kind: 'error', why: 'no Prometheus URL (pass --prometheus-url)' };
          return readPromResult(probe.query, await this.sources.prometheus.instant(probe.query));
        }
        case 'triton-ready': {
          const url = this.sources.tritonUrl?.();
          if (!url) return { kind: 'error', why: 'no Triton URL' };
          const client = new TritonClient({ url, timeoutMs: 1_000 });
          try {
            const ready = probe.model ? await client.isModelReady(probe.model) : await client.isReady();
            return {
              kind: 'value',
              value: ready ? 1 : 0,
              detail: `${probe.model ?? 'Triton'} ${ready ? 'ready' : 'not ready'}`,
            };
          } finally {
            await client.close();
          }
        }
        case 'pods-ready': {
          if (!this.sources.pods) return { kind: 'error', why: 'no Kubernetes API' };
          const { pods } = await this.sources.pods.list(probe.namespace, probe.labelSelector);
          const ready = pods.filter((p) => p.ready && !p.terminating).length;
          return {
            kind: 'value',
            value: ready,
            detail: `${ready} of ${pods.length} pods Ready in ${probe.namespace} (${probe.labelSelector})`,
          };
        }
        case 'gateway-weight': {
          if (!this.sources.admin) return { kind: 'error', why: 'no gateway admin API' };
          const model = probe.model ?? this.sources.defaultModel;
          const weights = await this.sources.admin.getWeights(model);
          const w = weights[probe.variant];
          if (w === undefined)
            return {
              kind: 'error',
              why: `${model} has no variant ${probe.variant} (${Object.keys(weights).join(', ')})`,
            };
          return { kind: 'value', value: w, detail: `${model} weights ${JSON.stringify(weights)}` };
        }
      }
    } catch (error) {
      return { kind: 'error', why: (error as Error).message };
    }
  }
}
