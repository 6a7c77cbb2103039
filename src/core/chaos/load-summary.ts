import type { LoadRecord } from '../load/record.ts';
import type { LoadSummary } from './journal.ts';

/**
 * The journal's account of the built-in load, from the driver's records: answered is an
 * HTTP 200 (by the tier that served it), failed is any other answer or none at all (by
 * status, or network_error). A request the driver itself cut off when it stopped is counted
 * under `cut_off`, neither answered nor failed: the system was not asked to finish it.
 */
export function loadSummary(rate: number, records: readonly LoadRecord[], cutOff: string): LoadSummary {
  const summary: LoadSummary = { rate, sent: 0, answered: 0, failed: 0, dropped: 0, byServedBy: {} };
  const count = (key: string) => {
    summary.byServedBy[key] = (summary.byServedBy[key] ?? 0) + 1;
  };
  for (const r of records) {
    if (r.dropped) {
      summary.dropped++;
      continue;
    }
    summary.sent++;
    if (r.status === 0 && r.error === cutOff) count('cut_off');
    else if (r.status === 200) {
      summary.answered++;
      count(r.servedBy ?? 'unknown');
    } else {
      summary.failed++;
      count(r.status === 0 ? 'network_error' : `http_${r.status}`);
    }
  }
  return summary;
}
