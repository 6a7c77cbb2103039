import { BATCH } from '../../core/metrics/names.ts';
import { byVariable, selector } from '../../core/promql/builder.ts';
import type { Row } from './dashboard.ts';
import { timeseries } from './panels.ts';
import { COLOR } from './thresholds.ts';

const SCOPE = [byVariable('namespace')];

/**
 * Batch scoring on spot capacity (`steadystate batch score`, gauges pushed per `batch_job`):
 * progress, throughput and how much work a reclaimed node would cost (the checkpoint's age).
 * It sits on the Triton dashboard because batch and online traffic share the same Triton.
 */
export function batchRow(): Row {
  return {
    title: 'Batch scoring on spot capacity',
    panels: [
      timeseries({
        title: 'Rows scored and committed',
        description:
          'Rows scored (solid) and rows claimed by the last checkpoint (dashed) against the dataset size. The gap between scored and committed is what a spot reclamation would cost to redo.',
        unit: 'short',
        thresholds: { base: COLOR.info },
        min: 0,
        dashedSeries: '^committed.*',
        queries: [
          { expr: selector(BATCH.rowsDone, SCOPE), legend: 'scored {{batch_job}}' },
          { expr: selector(BATCH.rowsCommitted, SCOPE), legend: 'committed {{batch_job}}' },
          { expr: selector(BATCH.rowsTotal, SCOPE), legend: 'total {{batch_job}}' },
        ],
        width: 8,
      }),
      timeseries({
        title: 'Batch throughput',
        description: "Rows per second of the job's current run (through Triton, large batches, several in flight).",
        unit: 'short',
        thresholds: { base: COLOR.info },
        min: 0,
        queries: [{ expr: selector(BATCH.rowsPerSecond, SCOPE), legend: '{{batch_job}}' }],
        width: 8,
      }),
      timeseries({
        title: 'Checkpoint age',
        description:
          'Seconds since the last checkpoint. It should stay under the checkpoint interval (BatchJob spec.checkpoint.every); older means a reclaimed node loses more work.',
        unit: 's',
        thresholds: { base: COLOR.info },
        min: 0,
        queries: [{ expr: `time() - ${selector(BATCH.lastCheckpoint, SCOPE)}`, legend: '{{batch_job}}' }],
        width: 8,
      }),
    ],
  };
}
