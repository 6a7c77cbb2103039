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

  /**
   * A CPU clock for this process that advances at `share` of wall time: 1 while the loop runs
   * its own work on a core of its own, less while the host gives the core to others. The real
   * process clock would make the test depend on how busy the machine running it is.
   */
  function hostShareClock() {
    let share = 0;
    let usedUs = 0;
    let last = performance.now();
    const advance = () => {
      const now = performance.now();
      usedUs += (now - last) * 1000 * share;
      last = now;
    };
    return {
      cpuUsage: (): NodeJS.CpuUsage => {
        advance();
        return { user: usedUs, system: 0 };
      },
      setShare(next: number) {
        advance();
        share = next;
      },
    };
  }

  const spin = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // the loop blocked: the gateway's own work, or descheduled
    }
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('reports a window of the loop’s own work as busy, one where the host took the core as not, an idle one as not', async () => {
    const clock = hostShareClock();
    const readings: { lagMs: number; utilization: number }[] = [];
    const lag = new EventLoopLag({
      windowMs: 100,
      tickMs: 5,
      allowanceCores: 1,
      cpuUsage: clock.cpuUsage,
      onWindow: (lagMs, utilization) => readings.push({ lagMs, utilization }),
    });
    try {
      await sleep(250); // idle
      expect(readings.length).toBeGreaterThan(0);
      expect(Math.max(...readings.map((r) => r.utilization))).toBeLessThan(0.5);

      clock.setShare(1);
      spin(350);
      clock.setShare(0);
      await sleep(20);
      const ownWork = readings.at(-1);
      expect(ownWork?.lagMs).toBeGreaterThan(300);
      expect(ownWork?.utilization).toBeGreaterThan(0.8);

      await sleep(150);
      clock.setShare(0.3);
      spin(350);
      clock.setShare(0);
      await sleep(20);
      const hostTookIt = readings.at(-1);
      expect(hostTookIt?.lagMs).toBeGreaterThan(300); // the same lag...
      expect(hostTookIt?.utilization).toBeLessThan(0.5); // ...but not the gateway's own doing
    } finally {
      lag.close();
    }
  });

  it('reads an idle loop as idle on the real process clock', async () => {
    const readings: number[] = [];
    const lag = new EventLoopLag({
      windowMs: 100,
      tickMs: 5,
      allowanceCores: 1,
      onWindow: (_ms, u) => readings.push(u),
    });
    try {
      await sleep(250);
      expect(readings.length).toBeGreaterThan(0);
      expect(Math.max(...readings)).toBeLessThan(0.5);
    } finally {
      lag.close();
    }
  });
});
