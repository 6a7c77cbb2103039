import { describe, expect, it } from 'vitest';
import { cgroupV2Quota, cpuAllowanceCores } from '../../../src/gateway/overload/cpu-allowance.ts';
import { EventLoopLag } from '../../../src/gateway/overload/event-loop-lag.ts';

const files = (map: Record<string, string>) => (path: string) => map[path];

describe('the CPU the gateway may use (the lag shedder’s notion of "busy")', () => {
  it('reads a pod CPU limit from cgroup v2 or v1, at most one core (one JavaScript thread)', () => {
    expect(cgroupV2Quota('max 100000\n')).toBeUndefined();
    expect(cgroupV2Quota('50000 100000\n')).toBe(0.5);
    expect(cgroupV2Quota('garbage')).toBeUndefined();
    expect(cpuAllowanceCores(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' }))).toBe(0.5);
    expect(cpuAllowanceCores(files({ '/sys/fs/cgroup/cpu.max': '400000 100000\n' }))).toBe(1);
    const v1 = (quota: string) =>
      files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': quota, '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' });
    expect(cpuAllowanceCores(v1('25000\n'))).toBe(0.25);
    expect(cpuAllowanceCores(v1('-1\n'))).toBe(1);
    expect(cpuAllowanceCores(files({}))).toBe(1);
  });

  it('reports a window of the loop’s own work as busy and an idle window as not', async () => {
    const readings: number[] = [];
    const lag = new EventLoopLag({
      windowMs: 100,
      tickMs: 5,
      allowanceCores: 1,
      onWindow: (_ms, utilization) => readings.push(utilization),
    });
    try {
      await new Promise((r) => setTimeout(r, 250)); // idle
      const idle = readings.slice();
      const until = performance.now() + 350;
      while (performance.now() < until) {
        // spin: the gateway's own work
      }
      await new Promise((r) => setTimeout(r, 20));
      expect(Math.max(...idle)).toBeLessThan(0.5);
      expect(readings.at(-1)).toBeGreaterThan(0.8);
    } finally {
      lag.close();
    }
  });
});
