/**
 * Axis and legend text for the Grafana units the dashboards use, close to what Grafana
 * prints (packages/grafana-data/src/valueFormats/categories.ts), so a preview reads like
 * the panel. Unknown units fall back to plain numbers.
 */

const SI = [
  { factor: 1e12, suffix: 'T' },
  { factor: 1e9, suffix: 'G' },
  { factor: 1e6, suffix: 'M' },
  { factor: 1e3, suffix: 'k' },
];

const BINARY = [
  { factor: 1024 ** 4, suffix: 'TiB' },
  { factor: 1024 ** 3, suffix: 'GiB' },
  { factor: 1024 ** 2, suffix: 'MiB' },
  { factor: 1024, suffix: 'KiB' },
];

/** Seconds -> the largest unit that keeps the number >= 1. */
const TIME = [
  { factor: 3600, suffix: 'h' },
  { factor: 60, suffix: 'min' },
  { factor: 1, suffix: 's' },
  { factor: 1e-3, suffix: 'ms' },
  { factor: 1e-6, suffix: 'µs' },
];

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return Number(value.toFixed(digits)).toString();
}

/** The number in the largest scale it reaches, and that scale's suffix ('' below the smallest). */
function scaled(value: number, scales: ReadonlyArray<{ factor: number; suffix: string }>): [string, string] {
  const abs = Math.abs(value);
  const scale = scales.find((s) => abs >= s.factor);
  return scale ? [formatNumber(value / scale.factor), scale.suffix] : [formatNumber(value), ''];
}

function time(seconds: number): string {
  if (seconds === 0) return '0 s';
  const abs = Math.abs(seconds);
  const unit = TIME.find((t) => abs >= t.factor) ?? (TIME[TIME.length - 1] as (typeof TIME)[number]);
  return `${formatNumber(seconds / unit.factor)} ${unit.suffix}`;
}

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 's':
      return time(value);
    case 'ms':
      return time(value / 1e3);
    case 'µs':
      return time(value / 1e6);
    case 'percentunit':
      return `${formatNumber(value * 100)}%`;
    case 'percent':
      return `${formatNumber(value)}%`;
    case 'reqps': {
      const [n, prefix] = scaled(value, SI);
      return `${n}${prefix} req/s`;
    }
    case 'bytes': {
      const [n, suffix] = scaled(value, BINARY);
      return `${n} ${suffix || 'B'}`;
    }
    case 'watt': {
      const [n, prefix] = scaled(value, SI);
      return `${n} ${prefix}W`;
    }
    case 'short': {
      const [n, prefix] = scaled(value, SI);
      return `${n}${prefix}`;
    }
    default:
      if (unit.startsWith('suffix:')) return `${formatNumber(value)}${unit.slice('suffix:'.length)}`;
      return formatNumber(value);
  }
}
