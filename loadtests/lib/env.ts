/**
 * Settings come from `-e NAME=value` (k6's __ENV). A bad value stops the run in the init
 * context with a message naming the variable, the value and what is allowed.
 */

export function envString(name: string, fallback: string): string {
  const raw = __ENV[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

export function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new Error(`-e ${name}=${raw}: expected a number between ${min} and ${max} (default ${fallback})`);
  return value;
}

/** k6 durations: 30s, 5m, 2h, 1h30m. */
export function envDuration(name: string, fallback: string): string {
  const value = envString(name, fallback);
  if (!/^(\d+(ms|s|m|h))+$/.test(value))
    throw new Error(`-e ${name}=${value}: expected a k6 duration like 30s, 5m, 2h or 1h30m (default ${fallback})`);
  return value;
}
