import { TRITON_COST_COUNTERS } from '../../core/cost/counters.ts';
import { GATEWAY } from '../../core/metrics/names.ts';
import { byVariable, num, rate, selector, sumBy } from '../../core/promql/builder.ts';
import type { Row } from './dashboard.ts';
import { timeseries } from './panels.ts';
import type { StackValues } from './stack-values.ts';
import { COLOR } from './thresholds.ts';

const PER_MODEL = [byVariable('namespace'), byVariable('model')];
const MICROSECONDS_PER_SECOND = 1e6;
const SECONDS_PER_HOUR = 3600;

/**
 * GPU-busy seconds per second per Triton model, as `steadystate cost report` computes them
 * (core/cost/counters.ts gpuSeconds): compute input + infer + output, divided by the average
 * dynamic batch size because Triton adds a batch's time to every request in it.
 */
export function gpuBusyExpr(): string {
  const r = (name: string) => sumBy(['model'], rate(selector(name, PER_MODEL)));
  const compute = [
    TRITON_COST_COUNTERS.computeInput,
    TRITON_COST_COUNTERS.computeInfer,
    TRITON_COST_COUNTERS.computeOutput,
  ]
    .map(r)
    .join(' + ');
  const perExecution = `clamp_max(${r(TRITON_COST_COUNTERS.executions)} / ${r(TRITON_COST_COUNTERS.requests)}, 1)`;
  return `(${compute}) / ${num(MICROSECONDS_PER_SECOND)} * ${perExecution}`;
}

/** The "What does it cost" row of the Triton dashboard; none without `cost` in the Stack. */
export function costRows(stack: StackValues): Row[] {
  const cost = stack.cost;
  if (!cost) return [];
  const busy = gpuBusyExpr();
  const perHour = `${busy} * ${num(cost.gpuHourlyPrice * SECONDS_PER_HOUR)}`;
  const gatewayRate = (servedBy: string) =>
    sumBy(['model'], rate(selector(GATEWAY.requests, [byVariable('namespace'), `served_by=~"${servedBy}"`])));
  return [
    {
      title: `What does it cost (${cost.nodeType}, ${cost.gpuHourlyPrice} ${cost.currency}/GPU-hour)`,
      panels: [
        timeseries({
          title: 'GPU-busy share per Triton model (packing load)',
          description:
            "Seconds of GPU compute per second, per Triton model (0.05 = 5% of one GPU), with the batch correction of `steadystate cost report`. Models far below the packing headroom are the ones `cost report` proposes to share a GPU (the playbook's 10 models per GPU).",
          unit: 'percentunit',
          thresholds: { base: COLOR.info },
          min: 0,
          queries: [{ expr: busy, legend: '{{model}}' }],
        }),
        timeseries({
          title: `Compute cost per hour per Triton model (${cost.currency})`,
          description: `GPU-busy share times ${cost.gpuHourlyPrice} ${cost.currency} per GPU-hour (${cost.nodeType}): what the model's compute costs at the current rate. The memory a model holds while idle is charged by \`steadystate cost report\`, not drawn here.`,
          unit: `currency${cost.currency}`,
          thresholds: { base: COLOR.info },
          min: 0,
          queries: [{ expr: perHour, legend: '{{model}}' }],
        }),
        timeseries({
          title: 'Answers that cost no GPU (cache, stale cache, default)',
          description:
            "Share of the gateway answers per logical model served without Triton: a cache hit costs almost nothing, so the cost per 1,000 predictions falls as this rises. Fallback-model answers are not in it: they cost the fallback model's GPU time.",
          unit: 'percentunit',
          thresholds: { base: COLOR.info },
          min: 0,
          max: 1,
          queries: [
            {
              expr: `(${gatewayRate('cache|stale_cache|default')} or ${gatewayRate('.+')} * 0) / ${gatewayRate('primary|cache|stale_cache|fallback_model|default')}`,
              legend: '{{model}}',
            },
          ],
        }),
      ],
    },
  ];
}
