import { readFileSync } from 'node:fs';

/**
 * How much CPU the gateway's event loop may use, in cores: at most 1 (one JavaScript thread),
 * less in a pod whose CPU limit is below a core (the generated Deployment asks for 500m).
 * The lag shedder compares the CPU the process used in a window with this: a loop that lags
 * while using all it may (its own work, or CFS throttling at the pod's limit) is helped by
 * shedding; one that lags while using much less is short of a CPU the host gives to others,
 * and shedding would only throw requests away.
 */
export function cpuAllowanceCores(read: (path: string) => string | undefined = readOrUndefined): number {
  const quota = cgroupV2Quota(read('/sys/fs/cgroup/cpu.max')) ?? cgroupV1Quota(read);
  return quota === undefined ? 1 : Math.min(1, quota);
}

/** cgroup v2 `cpu.max`: "max 100000" (no limit) or "50000 100000" (half a core). */
export function cgroupV2Quota(text: string | undefined): number | undefined {
  const [quota, period] = (text ?? '').trim().split(/\s+/);
  if (!quota || !period || quota === 'max') return undefined;
  const cores = Number(quota) / Number(period);
  return Number.isFinite(cores) && cores > 0 ? cores : undefined;
}

/** cgroup v1: cpu.cfs_quota_us (-1 = no limit) over cpu.cfs_period_us. */
function cgroupV1Quota(read: (path: string) => string | undefined): number | undefined {
  const quota = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')?.trim());
  const period = Number(read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')?.trim());
  if (!(quota > 0 && period > 0)) return undefined;
  return quota / period;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
