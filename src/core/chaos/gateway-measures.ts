import { GATEWAY, GOOD_SERVED_BY } from '../metrics/names.ts';
import type { GatewayProbeSpec } from '../spec/kinds/chaos/probes.ts';
import { histogramQuantile } from './histogram-quantile.ts';
import { increaseBy, type LabelFilter, type Scrape, sumIncrease } from './samples.ts';

/**
 * One gateway probe's number over a window between two scrapes of the gateway's /metrics,
 * from the metric contract alone. `n` is the number of events the ratio rests on; below the
 * experiment's minimum the number is "no data", never a pass or a fail.
 */
export type Measure =
  | { kind: 'value'; value: number; n: number; spanSeconds: number; detail: string }
  | { kind: 'no_data'; n: number; spanSeconds: number; why: string };

const FAILED_TIERS = ['error', 'shed'];

export function measureGatewayProbe(
  probe: GatewayProbeSpec,
  from: Scrape,
  to: Scrape,
  model: string,
  defaultMinRequests: number,
): Measure {
  const minRequests = probe.minRequests ?? defaultMinRequests;
  const spanSeconds = (to.atMs - from.atMs) / 1000;
  const scope: LabelFilter = { model, variant: probe.variant };
  const byTier = increaseBy(from, to, GATEWAY.requests, 'served_by', scope);
  const requests = [...byTier.values()].reduce((a, b) => a + b, 0);
  const share = (tiers: readonly string[]) => tiers.reduce((s, t) => s + (byTier.get(t) ?? 0), 0);
  const ratio = (num: number, den: number, unit: string, label: string): Measure =>
    den < minRequests
      ? { kind: 'no_data', n: den, spanSeconds, why: `${den} ${unit} in ${fmt(spanSeconds)} s, need >= ${minRequests}` }
      : {
          kind: 'value',
          value: num / den,
          n: den,
          spanSeconds,
          detail: `${fmtCount(num)} of ${fmtCount(den)} ${label}`,
        };
  if (spanSeconds <= 0) return { kind: 'no_data', n: 0, spanSeconds, why: 'only one scrape so far' };

  switch (probe.type) {
    case 'failed-ratio':
      return ratio(share(FAILED_TIERS), requests, 'requests', 'requests failed (5xx)');
    case 'tier-share':
      return ratio(share(probe.tiers), requests, 'requests', `requests served by ${probe.tiers.join('/')}`);
    case 'burn-rate': {
      const bad = probe.bad === 'failed' ? share(FAILED_TIERS) : requests - share(GOOD_SERVED_BY);
      const m = ratio(bad, requests, 'requests', probe.bad === 'failed' ? 'requests failed' : 'requests not good');
      if (m.kind === 'no_data') return m;
      const budget = 1 - probe.objective;
      return { ...m, value: m.value / budget, detail: `${m.detail}, error budget ${fmt(budget)}` };
    }
    case 'latency-quantile': {
      const filter: LabelFilter = { ...scope, served_by: probe.servedBy };
      const buckets = increaseBy(from, to, `${GATEWAY.duration}_bucket`, 'le', filter);
      const total = buckets.get('+Inf') ?? 0;
      if (total < minRequests)
        return {
          kind: 'no_data',
          n: total,
          spanSeconds,
          why: `${total} requests in ${fmt(spanSeconds)} s, need >= ${minRequests}`,
        };
      const value = histogramQuantile(
        probe.quantile,
        [...buckets].map(([le, count]) => ({
          upperBound: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
          count,
        })),
      );
      return { kind: 'value', value, n: total, spanSeconds, detail: `p${probe.quantile * 100} of ${total} requests` };
    }
    case 'upstream-calls-per-request': {
      const calls =
        sumIncrease(from, to, `${GATEWAY.upstreamDuration}_count`, { model }) +
        sumIncrease(from, to, GATEWAY.upstreamErrors, { model });
      return ratio(calls, requests, 'requests', 'Triton calls per request');
    }
    case 'upstream-error-ratio': {
      const ok = sumIncrease(from, to, `${GATEWAY.upstreamDuration}_count`, scope);
      const failed = sumIncrease(from, to, GATEWAY.upstreamErrors, scope);
      return ratio(failed, ok + failed, 'Triton calls', 'Triton calls failed');
    }
    case 'cache-hit-ratio': {
      const results = increaseBy(from, to, GATEWAY.cacheRequests, 'result', { model });
      // `coalesced` marks a miss that joined another's call: already counted as a miss.
      const lookups = ['hit', 'miss', 'stale', 'error'].reduce((s, r) => s + (results.get(r) ?? 0), 0);
      return ratio(results.get('hit') ?? 0, lookups, 'cache lookups', 'cache lookups hit');
    }
    case 'defaulted-features-per-request':
      return ratio(
        sumIncrease(from, to, GATEWAY.defaultedFeatures, { model }),
        requests,
        'requests',
        'defaulted features per request',
      );
    case 'label-rate': {
      const labels = increaseBy(from, to, GATEWAY.predictions, 'label', scope);
      const all = [...labels.values()].reduce((a, b) => a + b, 0);
      return ratio(labels.get(probe.label) ?? 0, all, 'predictions', `predictions labelled ${probe.label}`);
    }
    case 'request-rate':
      return {
        kind: 'value',
        value: requests / spanSeconds,
        n: requests,
        spanSeconds,
        detail: `${requests} requests in ${fmt(spanSeconds)} s`,
      };
  }
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(4)).toString();
}

function fmtCount(x: number): string {
  return Number.isInteger(x) ? String(x) : fmt(x);
}
