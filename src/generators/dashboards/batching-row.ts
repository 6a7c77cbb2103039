import { BATCHING } from '../../core/metrics/names.ts';
import { byVariable, rate, selector, sumBy } from '../../core/promql/builder.ts';
import type { Row } from './dashboard.ts';
import { timeseries } from './panels.ts';
import { COLOR } from './thresholds.ts';

const MODEL = [byVariable('namespace'), byVariable('model')];

/**
 * Adaptive batching (`steadystate batching watch`): the setting the controller holds in force
 * for each Triton model and what it saw, beside the reloads it made. Shown on the Triton
 * dashboard when a Stack model has `adaptiveBatching`.
 */
export function adaptiveBatchingRow(): Row {
  return {
    title: 'Adaptive batching (controller)',
    panels: [
      timeseries({
        title: 'max_batch_size in force against the observed batch',
        description:
          "The controller's max_batch_size per Triton model (dashed) and Triton's requests per execution in its last interval. The observed batch staying near the bound means requests wait for room: the controller raises the bound (within the spec's adaptiveBatching limits); near zero at low traffic it lowers it.",
        unit: 'none',
        thresholds: { base: COLOR.info },
        min: 0,
        dashedSeries: '^bound.*',
        queries: [
          { expr: selector(BATCHING.maxBatchSize, MODEL), legend: 'bound {{model}}' },
          { expr: selector(BATCHING.avgBatch, MODEL), legend: 'observed {{model}}' },
        ],
        width: 12,
      }),
      timeseries({
        title: 'Queue delay in force and queue time observed',
        description:
          "max_queue_delay set by the controller (dashed) and the mean time a request waited in Triton's queue in the last interval.",
        unit: 's',
        thresholds: { base: COLOR.info },
        min: 0,
        dashedSeries: '^delay.*',
        queries: [
          { expr: selector(BATCHING.queueDelay, MODEL), legend: 'delay {{model}}' },
          { expr: selector(BATCHING.queueTime, MODEL), legend: 'queue {{model}}' },
        ],
        width: 6,
      }),
      timeseries({
        title: 'Configuration reloads',
        description:
          'Reloads per hour made by the controller, by direction. Hysteresis (sustain, cooldown) keeps this low; a steady stream means the limits or the fill band are too tight.',
        unit: 'none',
        thresholds: { base: COLOR.info },
        min: 0,
        queries: [
          {
            expr: `${sumBy(['model', 'direction'], rate(selector(BATCHING.changes, MODEL), '1h'))} * 3600`,
            legend: '{{direction}} {{model}}',
          },
        ],
        width: 6,
      }),
    ],
  };
}
