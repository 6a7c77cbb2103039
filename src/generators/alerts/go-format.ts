/**
 * The Go template functions Prometheus expands in alert annotations
 * (prometheus/template/template.go: humanize, humanizePercentage), so generated promtool
 * tests can state the exact annotation text an alert will carry.
 */

/** Go's fmt "%.4g". */
export function goFormatG4(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return '0';
  const [mantissa, expText] = value.toExponential(3).split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 4) {
    const sign = exp < 0 ? '-' : '+';
    return `${stripZeros(mantissa)}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return stripZeros(value.toFixed(Math.max(0, 3 - exp)));
}

function stripZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** Prometheus' `humanize`: SI prefixes, 4 significant digits. */
export function humanize(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return goFormatG4(value);
  let v = value;
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return `${goFormatG4(v)}${prefix}`;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goFormatG4(v)}${prefix}`;
}

/** Prometheus' `humanizePercentage`: value × 100, "%.4g%%". */
export function humanizePercentage(value: number): string {
  return `${goFormatG4(value * 100)}%`;
}

/** True when a value sits so close to a rounding edge that float noise could change its text. */
export function nearRoundingEdge(format: (v: number) => string, value: number): boolean {
  const eps = Math.max(Math.abs(value) * 1e-9, 1e-15);
  return format(value - eps) !== format(value + eps);
}
