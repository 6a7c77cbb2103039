/** Text formatting shared by the HTML, Markdown and console renderers. "no data" is spelled out. */

export const NO_DATA = 'no data';

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return NO_DATA;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** A ratio as a percentage with enough digits for SLO-sized numbers (0.05% must not read 0%). */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return NO_DATA;
  const pct = ratio * 100;
  if (pct === 0) return '0%';
  if (Math.abs(pct) >= 10) return `${pct.toFixed(1)}%`;
  if (Math.abs(pct) >= 1) return `${pct.toFixed(2)}%`;
  return `${Number(pct.toPrecision(2))}%`;
}

/** An SLO objective keeps its nines: 0.9995 -> 99.95%, never 100.0%. */
export function formatObjective(ratio: number): string {
  if (!Number.isFinite(ratio)) return NO_DATA;
  return `${Number((ratio * 100).toPrecision(6))}%`;
}

export function formatSeconds(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return NO_DATA;
  if (seconds >= 120) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${seconds < 10 ? seconds.toFixed(1) : seconds.toFixed(0)} s`;
}

/** Elapsed time as m:ss or h:mm:ss, for axes and timelines relative to the run start. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** UTC, ISO-like, to the second: the same text wherever the report is rendered. */
export function formatTimestamp(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return NO_DATA;
  return `${new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** "12 s (target 30 s)", flagging a miss. */
export function formatAgainstTarget(seconds: number | null, target: number | null): string {
  const value = formatSeconds(seconds);
  if (target === null) return value;
  const over = seconds !== null && seconds > target;
  return `${value} (target ${formatSeconds(target)}${over ? ', MISSED' : ''})`;
}
