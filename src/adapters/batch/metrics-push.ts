import { BATCH, BATCH_JOB } from '../../core/metrics/names.ts';

/**
 * The batch job's gauges for Prometheus. A batch pod is short-lived and may be reclaimed at
 * any time, so it pushes (PUT replaces the group `job="steadystate-batch", batch_job=<name>`)
 * rather than waiting to be scraped.
 */
export interface BatchGauges {
  rowsDone: number;
  rowsCommitted: number;
  rowsTotal: number;
  rowsPerSecond: number;
  /** Unix seconds of the last checkpoint; undefined before the first. */
  lastCheckpointSeconds: number | undefined;
  runs: number;
  interrupted: boolean;
}

export function batchGaugesText(g: BatchGauges): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number | undefined) => {
    if (value === undefined) return;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${Number.isFinite(value) ? value : 'NaN'}`);
  };
  gauge(BATCH.rowsDone, 'Rows scored so far', g.rowsDone);
  gauge(BATCH.rowsCommitted, 'Rows claimed by the last checkpoint', g.rowsCommitted);
  gauge(BATCH.rowsTotal, 'Rows in the dataset', g.rowsTotal);
  gauge(BATCH.rowsPerSecond, 'Rows per second of this run', g.rowsPerSecond);
  gauge(BATCH.lastCheckpoint, 'When the last checkpoint was written (Unix seconds)', g.lastCheckpointSeconds);
  gauge(BATCH.runs, 'Runs so far (the first plus each resume)', g.runs);
  gauge(BATCH.interrupted, '1 after a spot notice stopped the run', g.interrupted ? 1 : 0);
  return `${lines.join('\n')}\n`;
}

export class BatchMetricsPusher {
  private readonly target: string;

  constructor(pushgatewayUrl: string, jobName: string) {
    this.target = `${pushgatewayUrl.replace(/\/+$/, '')}/metrics/job/${BATCH_JOB}/batch_job/${encodeURIComponent(jobName)}`;
  }

  async push(gauges: BatchGauges): Promise<void> {
    const res = await fetch(this.target, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain; version=0.0.4' },
      body: batchGaugesText(gauges),
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`Pushgateway ${this.target}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
}
