/**
 * handleSummary for every script: a compact JSON verdict (thresholds, the SLO figures, the
 * share per serving tier) plus k6's full summary data, written to
 * `${SUMMARY_DIR}/k6-<script>-summary.json`, and a short text on stdout.
 *
 * Pure (no k6 imports) so it is unit-tested under Node with k6's documented summary shape
 * (https://grafana.com/docs/k6/latest/results-output/end-of-test/custom-summary/).
 */

export interface K6MetricSummary {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface K6SummaryData {
  metrics: Record<string, K6MetricSummary>;
  state?: { testRunDurationMs?: number; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ThresholdResult {
  metric: string;
  threshold: string;
  ok: boolean;
}

export interface LoadtestVerdict {
  script: string;
  passed: boolean;
  thresholds: ThresholdResult[];
  durationSeconds: number | null;
  requests: number | null;
  requestRate: number | null;
  p99Ms: number | null;
  p95Ms: number | null;
  medianMs: number | null;
  failedRatio: number | null;
  goodRatio: number | null;
  droppedIterations: number;
  /** Share of answered requests per serving tier (served_by), from the served_by_* counters. */
  servedByShare: Record<string, number>;
}

const value = (data: K6SummaryData, metric: string, stat: string): number | null => {
  const v = data.metrics[metric]?.values[stat];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

export function loadtestVerdict(script: string, data: K6SummaryData): LoadtestVerdict {
  const thresholds: ThresholdResult[] = [];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [threshold, result] of Object.entries(m.thresholds ?? {}))
      thresholds.push({ metric, threshold, ok: result.ok });
  }
  const tiers = Object.entries(data.metrics)
    .filter(([name]) => name.startsWith('served_by_'))
    .map(([name, m]) => [name.slice('served_by_'.length), m.values.count ?? 0] as const);
  const answered = tiers.reduce((sum, [, n]) => sum + n, 0);
  const servedByShare: Record<string, number> = {};
  for (const [tier, n] of tiers) if (answered > 0) servedByShare[tier] = n / answered;
  const duration = data.state?.testRunDurationMs;
  return {
    script,
    passed: thresholds.every((t) => t.ok),
    thresholds,
    durationSeconds: typeof duration === 'number' ? duration / 1000 : null,
    requests: value(data, 'http_reqs', 'count'),
    requestRate: value(data, 'http_reqs', 'rate'),
    p99Ms: value(data, 'http_req_duration', 'p(99)'),
    p95Ms: value(data, 'http_req_duration', 'p(95)'),
    medianMs: value(data, 'http_req_duration', 'med'),
    failedRatio: value(data, 'http_req_failed', 'rate'),
    goodRatio: value(data, 'good_answers', 'rate'),
    droppedIterations: value(data, 'dropped_iterations', 'count') ?? 0,
    servedByShare,
  };
}

const fmt = (v: number | null, unit = '', digits = 1) => (v === null ? 'no data' : `${v.toFixed(digits)}${unit}`);
const pct = (v: number | null) => (v === null ? 'no data' : `${(v * 100).toFixed(3)}%`);

export function verdictText(v: LoadtestVerdict): string {
  const lines = [
    `${v.script}: ${v.passed ? 'PASSED' : 'FAILED'} (${v.thresholds.filter((t) => t.ok).length}/${v.thresholds.length} thresholds)`,
    `  requests ${v.requests ?? 'no data'} at ${fmt(v.requestRate, '/s')}, dropped iterations ${v.droppedIterations}`,
    `  latency p50 ${fmt(v.medianMs, ' ms')}  p95 ${fmt(v.p95Ms, ' ms')}  p99 ${fmt(v.p99Ms, ' ms')}`,
    `  failed ${pct(v.failedRatio)}  good answers ${pct(v.goodRatio)}`,
    `  served by ${
      Object.entries(v.servedByShare)
        .filter(([, share]) => share > 0)
        .map(([tier, share]) => `${tier} ${(share * 100).toFixed(1)}%`)
        .join(', ') || 'no data'
    }`,
    ...v.thresholds.map((t) => `  ${t.ok ? 'ok  ' : 'FAIL'} ${t.metric} ${t.threshold}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The handleSummary return value: file path -> content, plus stdout. */
export function summaryOutputs(script: string, data: K6SummaryData, dir: string): Record<string, string> {
  const verdict = loadtestVerdict(script, data);
  const path = `${dir.replace(/\/$/, '') || '.'}/k6-${script}-summary.json`;
  return {
    [path]: `${JSON.stringify({ verdict, k6: data }, null, 2)}\n`,
    stdout: verdictText(verdict),
  };
}
