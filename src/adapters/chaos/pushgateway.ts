import type { Journal } from '../../core/chaos/journal.ts';
import { CHAOS } from '../../core/metrics/names.ts';

/**
 * Where a scheduled run leaves its result for Prometheus: a one-method port, and the
 * Pushgateway implementation. The group is `job="steadystate-chaos", experiment=<name>`
 * and is replaced on every push (PUT), so a measure a run did not take disappears rather
 * than lingering from an older run.
 */
export interface ResultPublisher {
  publish(journal: Journal, endedAtSeconds: number): Promise<void>;
}

export const CHAOS_JOB = 'steadystate-chaos';

/** The text exposition of one run's chaos_* gauges (metric contract, src/core/metrics/names.ts). */
export function chaosGaugesText(journal: Journal, endedAtSeconds: number): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, value: number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${Number.isFinite(value) ? value : 'NaN'}`);
  };
  gauge(CHAOS.lastRun, 'When the experiment last finished (Unix seconds)', endedAtSeconds);
  gauge(
    CHAOS.success,
    '1 when the hypothesis held (status completed), 0 when it deviated, failed, aborted or was interrupted',
    journal.status === 'completed' && !journal.deviated ? 1 : 0,
  );
  if (journal.detection?.measuredSeconds != null)
    gauge(
      CHAOS.detection,
      'Seconds from the first action until the detection condition held',
      journal.detection.measuredSeconds,
    );
  if (journal.recovery?.measuredSeconds != null)
    gauge(CHAOS.recovery, 'Seconds until the recovery condition held', journal.recovery.measuredSeconds);
  return `${lines.join('\n')}\n`;
}

export class PushgatewayPublisher implements ResultPublisher {
  private readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  async publish(journal: Journal, endedAtSeconds: number): Promise<void> {
    const target = `${this.url}/metrics/job/${CHAOS_JOB}/experiment/${encodeURIComponent(journal.experiment.name)}`;
    const res = await fetch(target, {
      method: 'PUT',
      headers: { 'content-type': 'text/plain; version=0.0.4' },
      body: chaosGaugesText(journal, endedAtSeconds),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`Pushgateway ${target}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
}
