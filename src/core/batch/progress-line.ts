import { progressOf } from './resume.ts';

/** The progress line on stderr: rows, percent, rate, ETA and how old the last checkpoint is. */
export function progressLine(p: {
  job: string;
  rowsDone: number;
  totalRows: number;
  rowsPerSecond: number;
  checkpointAgeSeconds: number | undefined;
}): string {
  const { fraction, etaSeconds } = progressOf(p.rowsDone, p.totalRows, p.rowsPerSecond);
  const width = 20;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const eta = etaSeconds === null ? '--' : formatSeconds(etaSeconds);
  const checkpoint = p.checkpointAgeSeconds === undefined ? 'none yet' : `${formatSeconds(p.checkpointAgeSeconds)} ago`;
  return `${p.job} ${bar} ${p.rowsDone}/${p.totalRows} rows (${(fraction * 100).toFixed(1)}%)  ${Math.round(p.rowsPerSecond)} rows/s  ETA ${eta}  checkpoint ${checkpoint}`;
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
