/**
 * A parser for the Prometheus text exposition format (version 0.0.4), which Triton serves
 * on its metrics port. Enough of the format for Triton and prom-client output: HELP/TYPE
 * comments, label sets with escaped values, optional timestamps, NaN and +/-Inf.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export class MetricsParseError extends Error {
  override readonly name = 'MetricsParseError';
}

export function parsePrometheusText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    samples.push(parseSampleLine(line, i + 1));
  }
  return samples;
}

function parseSampleLine(line: string, lineNo: number): MetricSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new MetricsParseError(`line ${lineNo}: expected a metric name, got "${line.slice(0, 40)}"`);
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    while (true) {
      while (line[pos] === ' ' || line[pos] === ',') pos++;
      if (line[pos] === '}') {
        pos++;
        break;
      }
      const labelMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
      if (!labelMatch) throw new MetricsParseError(`line ${lineNo}: bad label name in "${line.slice(0, 80)}"`);
      pos += labelMatch[0].length;
      if (line[pos] !== '=' || line[pos + 1] !== '"') {
        throw new MetricsParseError(`line ${lineNo}: expected ="..." after label ${labelMatch[0]}`);
      }
      pos += 2;
      let value = '';
      while (pos < line.length && line[pos] !== '"') {
        if (line[pos] === '\\') {
          const next = line[pos + 1];
          value += next === 'n' ? '\n' : (next ?? '');
          pos += 2;
        } else {
          value += line[pos];
          pos++;
        }
      }
      if (line[pos] !== '"') throw new MetricsParseError(`line ${lineNo}: unterminated label value`);
      pos++;
      labels[labelMatch[0]] = value;
    }
  }
  const rest = line.slice(pos).trim().split(/\s+/);
  const value = parseValue(rest[0] ?? '');
  if (value === undefined) {
    throw new MetricsParseError(`line ${lineNo}: "${rest[0] ?? ''}" is not a sample value`);
  }
  return { name, labels, value };
}

function parseValue(raw: string): number | undefined {
  // Case-insensitive, as Prometheus' own parser (Go's strconv.ParseFloat) reads them:
  // prom-client writes NaN as "Nan".
  const lower = raw.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (raw === '') return undefined;
  const v = Number(raw);
  return Number.isNaN(v) ? undefined : v;
}

/** Sum of every sample of `name` whose labels include `match`. */
export function sumSamples(samples: MetricSample[], name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) total += s.value;
  }
  return total;
}
