import type { ResolvedSlo } from '../../core/slo/resolve.ts';
import { parseDuration } from '../../core/spec/kinds/common.ts';

/**
 * k6 thresholds (https://grafana.com/docs/k6/latest/using-k6/thresholds/) from the same
 * SLOs, so a load test fails on exactly the objectives production pages on. k6 sees the
 * gateway from outside: a fallback answer is an HTTP 200 (good, as the playbook counts it),
 * a shed or failed request is not.
 */

export interface K6Threshold {
  slo: string;
  metric: string;
  threshold: string;
  why: string;
}

export function k6Thresholds(slos: ResolvedSlo[]): K6Threshold[] {
  const out: K6Threshold[] = [];
  for (const slo of slos) {
    const sli = slo.document.spec.sli;
    const pct = Number((slo.objective * 100).toPrecision(6));
    if (sli.availability) {
      out.push({
        slo: slo.name,
        metric: 'http_req_failed',
        threshold: `rate<${Number(slo.budget.toPrecision(6))}`,
        why: `${slo.name}: at most ${Number((slo.budget * 100).toPrecision(6))}% failed requests (objective ${pct}%)`,
      });
    }
    if (sli.latency) {
      const ms = Math.round(parseDuration(sli.latency.threshold) * 1000);
      out.push({
        slo: slo.name,
        metric: 'http_req_duration',
        threshold: `p(${pct})<${ms}`,
        why: `${slo.name}: ${pct}% of requests within ${ms} ms`,
      });
    }
  }
  return out;
}

/** The `thresholds` option: metric -> expressions, in SLO order, without duplicates. */
export function k6ThresholdsOption(thresholds: K6Threshold[]): Record<string, string[]> {
  const option: Record<string, string[]> = {};
  for (const t of thresholds) {
    const list = option[t.metric] ?? [];
    if (!list.includes(t.threshold)) list.push(t.threshold);
    option[t.metric] = list;
  }
  return option;
}
