import { GATEWAY } from '../../core/metrics/names.ts';
import { anyOf, matches, num, selector } from '../../core/promql/builder.ts';
import { type AlertingRule, type RuleFile, runbookUrl } from '../../core/slo/rule-types.ts';
import type { AlertPolicySpec } from '../../core/spec/kinds/alert-policy.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { humanize, humanizePercentage } from './go-format.ts';
import type { PromtoolTestFile } from './suites.ts';

/**
 * The playbook's serving alerts beside the SLOs: symptoms that precede a burn. Triton's
 * metric names are Triton's own (docs/user_guide/metrics.md): average batch size is
 * nv_inference_count / nv_inference_exec_count, queue-timeout rejections are
 * nv_inference_request_failure{reason="REJECTED"}.
 */

export const SERVING_ALERTS = {
  batch: 'TritonBatchSizeLow',
  gpuMemory: 'TritonGpuMemoryHigh',
  rejections: 'TritonQueueRejections',
  fallback: 'FallbackShareRising',
} as const;

/** Answers from degraded tiers: they count as available, but a rising share means the primary path is failing. */
export const DEGRADED_SERVED_BY = ['stale_cache', 'fallback_model', 'default'] as const;

export function tritonModels(stack: StackSpec): string[] {
  const names = stack.models.flatMap((m) => [
    ...m.variants.map((v) => v.tritonModel),
    ...(m.fallbackModel ? [m.fallbackModel] : []),
  ]);
  return [...new Set(names)].sort();
}

export function servingRules(stack: StackSpec, policy: AlertPolicySpec): RuleFile {
  const p = policy.serving;
  const triton = matches('model', anyOf(tritonModels(stack)));
  const models = matches('model', anyOf(stack.models.map((m) => m.name)));
  const inferRate = `sum by (model) (rate(${selector('nv_inference_count', [triton])}[10m]))`;
  const total = (w: string) => `sum by (model) (rate(${selector(GATEWAY.requests, [models])}[${w}]))`;
  const degraded = (w: string) =>
    `(sum by (model) (rate(${selector(GATEWAY.requests, [models, matches('served_by', anyOf(DEGRADED_SERVED_BY))])}[${w}])) or 0 * ${total(w)})\n  / ${total(w)}`;
  const meta = (alert: string) => ({ runbook_url: runbookUrl(alert, policy.runbookBaseUrl) });
  const rules: AlertingRule[] = [
    {
      alert: SERVING_ALERTS.batch,
      // Three conditions, the value is the first (the average batch): small batches, traffic
      // flowing, and requests actually waiting in the queue. Without the last, a short window
      // at moderate traffic (nothing waiting, nothing to batch) would read as a failure.
      expr: `(\n  ${inferRate}\n  / sum by (model) (rate(nv_inference_exec_count{${triton}}[10m]))\n) < ${num(p.minAvgBatchSize)}\nand\n${inferRate} >= ${num(p.minInferenceRate)}\nand\n(\n  sum by (model) (rate(nv_inference_queue_duration_us{${triton}}[10m]))\n  / sum by (model) (rate(nv_inference_request_success{${triton}}[10m]))\n) >= ${num(p.minQueueMicroseconds)}`,
      for: '15m',
      labels: { severity: 'ticket', burn_tier: 'none' },
      annotations: {
        summary: `Triton model {{ $labels.model }} runs batches of {{ $value | humanize }} on average (below ${num(p.minAvgBatchSize)}) while traffic flows and requests queue`,
        description: `Dynamic batching is not forming batches: each execution carries fewer than ${num(p.minAvgBatchSize)} requests on average although requests wait in the queue (at least ${num(p.minQueueMicroseconds)} µs each on average), which costs latency and throughput under load. Check max_queue_delay_microseconds and preferred_batch_size in config.pbtxt and whether the gateway sends requests one by one.`,
        ...meta(SERVING_ALERTS.batch),
      },
    },
    {
      alert: SERVING_ALERTS.gpuMemory,
      expr: `max by (gpu_uuid) (nv_gpu_memory_used_bytes / nv_gpu_memory_total_bytes) > ${num(p.gpuMemoryRatio)}`,
      for: '5m',
      labels: { severity: 'ticket', burn_tier: 'none' },
      annotations: {
        summary: `GPU {{ $labels.gpu_uuid }} memory is {{ $value | humanizePercentage }} full (above ${num(p.gpuMemoryRatio * 100)}%)`,
        description:
          'The next model load, a larger batch or a TensorRT workspace can fail with out-of-memory and take the Triton pod down. Check loaded model versions and instance_group counts before the next rollout.',
        ...meta(SERVING_ALERTS.gpuMemory),
      },
    },
    {
      alert: SERVING_ALERTS.rejections,
      expr: `sum by (model) (rate(nv_inference_request_failure{${triton}, reason="REJECTED"}[5m])) > 0`,
      for: '5m',
      labels: { severity: 'ticket', burn_tier: 'none' },
      annotations: {
        summary: 'Triton rejects {{ printf "%.2f" $value }} requests/s of {{ $labels.model }} (queue timeout)',
        description:
          "Requests wait longer than the model's queue policy allows and Triton rejects them rather than serve them late; the gateway answers from fallbacks, so the SLOs may hold while capacity is short. Add instances or replicas before the fallbacks run out.",
        ...meta(SERVING_ALERTS.rejections),
      },
    },
    {
      alert: SERVING_ALERTS.fallback,
      expr: `(\n  ${degraded('10m')}\n) > ${num(p.fallbackShare)}\nand\n(\n  ${degraded('10m')}\n) > ${num(p.fallbackRiseFactor)} * (\n  ${degraded('1d')}\n)`,
      for: '10m',
      labels: { severity: 'ticket', burn_tier: 'none' },
      annotations: {
        summary: `{{ $value | humanizePercentage }} of {{ $labels.model }} answers come from degraded tiers (stale cache, fallback model, default), ${num(p.fallbackRiseFactor)}x its daily share`,
        description:
          'The availability SLO counts these answers as good, so it will not burn while the primary path fails behind them. Look at inference_upstream_errors_total by reason and the circuit state of each variant.',
        ...meta(SERVING_ALERTS.fallback),
      },
    },
  ];
  return { groups: [{ name: 'serving-playbook', rules }] };
}

/** promtool suite for the serving alerts; expectations are exact by construction of the series. */
export function servingSuite(stack: StackSpec, policy: AlertPolicySpec, ruleFileFromTests: string): PromtoolTestFile {
  const p = policy.serving;
  const tritonModel = tritonModels(stack)[0] ?? 'model';
  const model = stack.models[0]?.name ?? 'model';
  const rules = servingRules(stack, policy).groups[0]!.rules as AlertingRule[];
  const ann = (alert: string, value: number, labels: Record<string, string>) => {
    const rule = rules.find((r) => r.alert === alert)!;
    return Object.fromEntries(
      Object.entries(rule.annotations).map(([k, v]) => [
        k,
        v
          .replaceAll('{{ $value | humanize }}', humanize(value))
          .replaceAll('{{ $value | humanizePercentage }}', humanizePercentage(value))
          .replaceAll('{{ printf "%.2f" $value }}', value.toFixed(2))
          .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, n: string) => labels[n] ?? ''),
      ]),
    );
  };
  const firing = (alert: string, value: number, labels: Record<string, string>) => [
    { exp_labels: { ...labels, severity: 'ticket', burn_tier: 'none' }, exp_annotations: ann(alert, value, labels) },
  ];
  const perMin = (rps: number) => rps * 60;
  const counter = (perMinute: number, minutes: number) => `0+${perMinute}x${minutes}`;
  // Batch size: batchSize inferences per execution at `rps` inferences/s; active from the
  // first evaluation with two samples (1m), firing 15m later.
  const batchRps = Math.max(2 * p.minInferenceRate, 20);
  const lowBatch = Math.max(1, Math.floor(p.minAvgBatchSize / 2));
  // rate() over 10m divides by the whole range, so a young series reads low: the traffic
  // condition holds from the minute the first t minutes of counts reach the minimum rate.
  const batchActive = Math.max(1, Math.ceil((600 * p.minInferenceRate) / perMin(batchRps)));
  const triton = (name: string) => `${name}{model="${tritonModel}",version="1"}`;
  // Requests at `rps` each waiting `us` microseconds in Triton's queue on average.
  const queueUs = Math.max(p.minQueueMicroseconds, 100);
  const queueing = (rps: number, us: number, minutes: number) => [
    { series: triton('nv_inference_request_success'), values: counter(perMin(rps), minutes) },
    { series: triton('nv_inference_queue_duration_us'), values: counter(perMin(rps) * us, minutes) },
  ];
  const gpu = (used: number) => [
    { series: 'nv_gpu_memory_used_bytes{gpu_uuid="GPU-0"}', values: `${used}x40` },
    { series: 'nv_gpu_memory_total_bytes{gpu_uuid="GPU-0"}', values: '80000000000x40' },
  ];
  const highGpu = Math.min(0.99, (p.gpuMemoryRatio + 1) / 2);
  const lowGpu = p.gpuMemoryRatio / 2;
  // Fallback share: a day at a 1% share, then a step to 20% (the 10m share crosses the
  // threshold a few minutes in; `for` adds 10m).
  const dayMin = 1440;
  const total = 600;
  const before = 6;
  const after = 120;
  const rise = fallbackRise(p.fallbackShare, p.fallbackRiseFactor, total, before, after, dayMin);
  const req = (servedBy: string, code: string) =>
    `${GATEWAY.requests}{model="${model}",variant="v1",served_by="${servedBy}",code="${code}"}`;
  return {
    rule_files: [ruleFileFromTests],
    evaluation_interval: '1m',
    tests: [
      {
        name: `small batches while traffic flows and requests queue fire ${SERVING_ALERTS.batch} after 15m`,
        interval: '1m',
        input_series: [
          { series: triton('nv_inference_count'), values: counter(perMin(batchRps), 60) },
          { series: triton('nv_inference_exec_count'), values: counter(perMin(batchRps) / lowBatch, 60) },
          ...queueing(batchRps, 2 * queueUs, 60),
        ],
        alert_rule_test: [
          { eval_time: formatMinutes(batchActive + 14), alertname: SERVING_ALERTS.batch, exp_alerts: [] },
          {
            eval_time: formatMinutes(batchActive + 15),
            alertname: SERVING_ALERTS.batch,
            exp_alerts: firing(SERVING_ALERTS.batch, lowBatch, { model: tritonModel }),
          },
        ],
      },
      {
        name: 'small batches at low traffic are normal and stay silent',
        interval: '1m',
        input_series: [
          { series: triton('nv_inference_count'), values: counter(perMin(p.minInferenceRate / 2), 40) },
          { series: triton('nv_inference_exec_count'), values: counter(perMin(p.minInferenceRate / 2), 40) },
          ...queueing(p.minInferenceRate / 2, 2 * queueUs, 40),
        ],
        alert_rule_test: [{ eval_time: '40m', alertname: SERVING_ALERTS.batch, exp_alerts: [] }],
      },
      {
        name: 'small batches with an empty queue stay silent (nothing waited, nothing to batch)',
        interval: '1m',
        input_series: [
          { series: triton('nv_inference_count'), values: counter(perMin(batchRps), 40) },
          { series: triton('nv_inference_exec_count'), values: counter(perMin(batchRps) / lowBatch, 40) },
          ...queueing(batchRps, queueUs / 4, 40),
        ],
        alert_rule_test: [{ eval_time: '40m', alertname: SERVING_ALERTS.batch, exp_alerts: [] }],
      },
      {
        name: 'full batches stay silent',
        interval: '1m',
        input_series: [
          { series: triton('nv_inference_count'), values: counter(perMin(batchRps) * 2, 40) },
          {
            series: triton('nv_inference_exec_count'),
            values: counter((perMin(batchRps) * 2) / (2 * p.minAvgBatchSize), 40),
          },
        ],
        alert_rule_test: [{ eval_time: '40m', alertname: SERVING_ALERTS.batch, exp_alerts: [] }],
      },
      {
        name: `GPU memory above ${num(p.gpuMemoryRatio * 100)}% fires after 5m`,
        interval: '1m',
        input_series: gpu(Math.round(highGpu * 80e9)),
        alert_rule_test: [
          { eval_time: '4m', alertname: SERVING_ALERTS.gpuMemory, exp_alerts: [] },
          {
            eval_time: '5m',
            alertname: SERVING_ALERTS.gpuMemory,
            exp_alerts: firing(SERVING_ALERTS.gpuMemory, Math.round(highGpu * 80e9) / 80e9, { gpu_uuid: 'GPU-0' }),
          },
        ],
      },
      {
        name: 'GPU memory at half the limit stays silent',
        interval: '1m',
        input_series: gpu(Math.round(lowGpu * 80e9)),
        alert_rule_test: [{ eval_time: '30m', alertname: SERVING_ALERTS.gpuMemory, exp_alerts: [] }],
      },
      {
        name: `queue-timeout rejections fire ${SERVING_ALERTS.rejections} after 5m`,
        interval: '1m',
        input_series: [
          {
            series: `nv_inference_request_failure{model="${tritonModel}",version="1",reason="REJECTED"}`,
            values: counter(6, 40),
          },
          {
            series: `nv_inference_request_failure{model="${tritonModel}",version="1",reason="BACKEND"}`,
            values: counter(60, 40),
          },
        ],
        alert_rule_test: [
          { eval_time: '5m', alertname: SERVING_ALERTS.rejections, exp_alerts: [] },
          {
            eval_time: '6m',
            alertname: SERVING_ALERTS.rejections,
            exp_alerts: firing(SERVING_ALERTS.rejections, 6 / 60, { model: tritonModel }),
          },
        ],
      },
      {
        name: `a jump of the degraded share from 1% to 20% fires ${SERVING_ALERTS.fallback}`,
        interval: '1m',
        input_series: [
          {
            series: req('primary', '200'),
            values: `0+${total - before}x${dayMin} ${dayMin * (total - before) + (total - after)}+${total - after}x60`,
          },
          {
            series: req('fallback_model', '200'),
            values: `0+${before}x${dayMin} ${dayMin * before + after}+${after}x60`,
          },
        ],
        alert_rule_test: [
          { eval_time: formatMinutes(dayMin - 1), alertname: SERVING_ALERTS.fallback, exp_alerts: [] },
          { eval_time: formatMinutes(rise.firesAt - 1), alertname: SERVING_ALERTS.fallback, exp_alerts: [] },
          {
            eval_time: formatMinutes(rise.firesAt),
            alertname: SERVING_ALERTS.fallback,
            exp_alerts: firing(SERVING_ALERTS.fallback, rise.valueAtFire, { model }),
          },
        ],
      },
      {
        name: 'a high but steady degraded share is not "rising" and stays silent',
        interval: '1m',
        input_series: [
          { series: req('primary', '200'), values: counter(total - after, 180) },
          { series: req('fallback_model', '200'), values: counter(after, 180) },
        ],
        alert_rule_test: [{ eval_time: '3h', alertname: SERVING_ALERTS.fallback, exp_alerts: [] }],
      },
    ],
  };
}

/**
 * When the FallbackShareRising condition first holds after the step and the alert fires
 * (`for: 10m`), from the per-minute counts: the 10m share reads the last 10 increments,
 * the 1d share the last 1440 (all on the 1m grid, so rate() needs no extrapolation).
 */
function fallbackRise(share: number, factor: number, total: number, before: number, after: number, dayMin: number) {
  const fallbackIncrement = (minute: number) => (minute <= dayMin ? before : after);
  const windowShare = (t: number, w: number) => {
    let f = 0;
    const n = Math.min(w, t);
    for (let m = t - n + 1; m <= t; m++) f += fallbackIncrement(m);
    return f / (total * n);
  };
  for (let t = dayMin + 1; t <= dayMin + 60; t++) {
    const s10 = windowShare(t, 10);
    if (s10 > share && s10 > factor * windowShare(t, 1440)) {
      const firesAt = t + 10;
      return { firesAt, valueAtFire: windowShare(firesAt, 10) };
    }
  }
  throw new Error('FallbackShareRising: the synthetic step never crosses the policy thresholds; raise the step');
}

function formatMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 || h === 0 ? `${m}m` : ''}`;
}
