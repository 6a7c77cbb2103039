import { GATEWAY } from '../metrics/names.ts';
import { mixtureRhoSquared } from '../stats/msprt.ts';
import type { Moments } from './counters.ts';
import { bucketSumSquares, type Sample } from './counters-from-samples.ts';

/**
 * Shadow (champion/challenger) mode: the gateway mirrors requests to a challenger whose
 * answer is never returned, and counts whether it agreed with the answer served
 * (inference_shadow_agreement_total{agree}) and how long it took
 * (inference_shadow_duration_seconds). We report the agreement rate with an always-valid
 * confidence sequence (the one-sample form of the normal-mixture sequence used for A/B,
 * Waudby-Smith et al. 2023 eq. 9 with N = n and s² = p(1 - p)) and the latency difference
 * against the served variants. A report only: shadow traffic never decides anything.
 */

export interface ShadowCounters {
  variant: string;
  compared: number;
  agreed: number;
  latency: Moments;
  /** The upstream latency of every served (non-shadow) variant of the model. */
  servedLatency: Moments;
}

export interface ShadowReport {
  variant: string;
  compared: number;
  agreement: number;
  /** Always-valid interval for the agreement rate; null until there is variance to speak of. */
  interval: [number, number] | null;
  /** Mean shadow latency minus mean served latency, seconds; null without both. */
  latencyDifferenceSeconds: number | null;
  reason: string;
}

const AGREES = new Set(['true', '1', 'yes']);

export function shadowFromSamples(samples: readonly Sample[], model: string): ShadowCounters[] {
  const byVariant = new Map<
    string,
    { compared: number; agreed: number; latency: Moments; buckets: Map<number, number> }
  >();
  const served: Moments = { count: 0, sum: 0, sumSquares: 0 };
  const servedBuckets = new Map<number, number>();
  const entry = (variant: string) => {
    let e = byVariant.get(variant);
    if (!e) {
      e = { compared: 0, agreed: 0, latency: { count: 0, sum: 0, sumSquares: 0 }, buckets: new Map() };
      byVariant.set(variant, e);
    }
    return e;
  };
  const shadowNames = new Set<string>();
  for (const s of samples) {
    if (s.labels.model !== model || s.name !== GATEWAY.shadowAgreement) continue;
    if (s.labels.variant) shadowNames.add(s.labels.variant);
  }
  for (const s of samples) {
    if (s.labels.model !== model || !Number.isFinite(s.value)) continue;
    const variant = s.labels.variant ?? '';
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    switch (s.name) {
      case GATEWAY.shadowAgreement: {
        const e = entry(variant);
        e.compared += s.value;
        if (AGREES.has((s.labels.agree ?? '').toLowerCase())) e.agreed += s.value;
        break;
      }
      case `${GATEWAY.shadowDuration}_sum`:
        entry(variant).latency.sum += s.value;
        break;
      case `${GATEWAY.shadowDuration}_count`:
        entry(variant).latency.count += s.value;
        break;
      case `${GATEWAY.shadowDuration}_bucket`: {
        const b = entry(variant).buckets;
        if (!Number.isNaN(le)) b.set(le, (b.get(le) ?? 0) + s.value);
        break;
      }
      case `${GATEWAY.upstreamDuration}_sum`:
        if (!shadowNames.has(variant)) served.sum += s.value;
        break;
      case `${GATEWAY.upstreamDuration}_count`:
        if (!shadowNames.has(variant)) served.count += s.value;
        break;
      case `${GATEWAY.upstreamDuration}_bucket`:
        if (!shadowNames.has(variant) && !Number.isNaN(le))
          servedBuckets.set(le, (servedBuckets.get(le) ?? 0) + s.value);
        break;
    }
  }
  served.sumSquares = bucketSumSquares(servedBuckets, undefined);
  return [...byVariant]
    .filter(([, e]) => e.compared > 0 || e.latency.count > 0)
    .map(([variant, e]) => ({
      variant,
      compared: e.compared,
      agreed: e.agreed,
      latency: { ...e.latency, sumSquares: bucketSumSquares(e.buckets, undefined) },
      servedLatency: { ...served },
    }));
}

export function shadowReport(c: ShadowCounters, options: { alpha: number; plannedSamples: number }): ShadowReport {
  const n = c.compared;
  const agreement = n > 0 ? c.agreed / n : Number.NaN;
  let interval: [number, number] | null = null;
  const variance = agreement * (1 - agreement);
  if (n > 0 && variance > 0) {
    const rho2 = mixtureRhoSquared(options.alpha, options.plannedSamples);
    const t = n * rho2 + 1;
    const width = Math.sqrt(variance) * Math.sqrt((2 * t * Math.log(Math.sqrt(t) / options.alpha)) / (n * n * rho2));
    interval = [Math.max(0, agreement - width), Math.min(1, agreement + width)];
  }
  const latencyDifferenceSeconds =
    c.latency.count > 0 && c.servedLatency.count > 0
      ? c.latency.sum / c.latency.count - c.servedLatency.sum / c.servedLatency.count
      : null;
  const agreementText =
    n > 0 ? `${(100 * agreement).toPrecision(3)}% agreement over ${n} mirrored requests` : 'no mirrored requests yet';
  const latencyText =
    latencyDifferenceSeconds === null
      ? ''
      : `, ${latencyDifferenceSeconds >= 0 ? '+' : ''}${(1000 * latencyDifferenceSeconds).toFixed(1)} ms vs served`;
  return {
    variant: c.variant,
    compared: n,
    agreement,
    interval,
    latencyDifferenceSeconds,
    reason: `shadow ${c.variant}: ${agreementText}${interval ? ` (interval ${interval[0].toFixed(4)}-${interval[1].toFixed(4)})` : ''}${latencyText}`,
  };
}
