import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import { spawnSupervised } from '../../../src/adapters/process/supervisor.ts';
import { featureSchemaFile } from '../../../src/core/spec/feature-schema.ts';
import { type FeatureSource, OnlineFeatureStore } from '../../../src/gateway/features/feature-store.ts';
import { DependencyGuard, settleWithin } from '../../../src/gateway/guard/dependency-guard.ts';
import type { GatewayLog } from '../../../src/gateway/log.ts';

const schema = featureSchemaFile.parse(JSON.parse(readFileSync(paths.featureSchema(), 'utf8')));

/** A log that keeps its lines, for asserting what was said. */
function recordingLog() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields: fields as Record<string, unknown>, message });
    };
  const log: GatewayLog = { info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

/** A store that has frozen (a SIGSTOPped Redis): calls never settle. */
const frozen: FeatureSource = { fetch: () => new Promise(() => undefined), close: async () => undefined };

const timed = async <T>(f: () => Promise<T>) => {
  const start = performance.now();
  const value = await f();
  return { value, ms: performance.now() - start };
};

describe('the dependency guard (timeout + breaker) on a frozen dependency', () => {
  it('times each call out, opens after 5, then refuses at once; the transitions are logged', async () => {
    const { log, lines } = recordingLog();
    // 2.5 calls/s over 2 s: the breaker may judge from the 5th call on.
    const guard = new DependencyGuard({
      name: 'feature store',
      timeoutMs: 10,
      halfOpenAfterMs: 60_000,
      minimumRps: 2.5,
      log,
    });
    const outcomes = [];
    for (let i = 0; i < 7; i++) {
      outcomes.push(
        await timed(() =>
          guard
            .execute(() => new Promise(() => undefined))
            .then(
              () => 'ok',
              () => 'refused',
            ),
        ),
      );
    }
    expect(outcomes.every((o) => o.value === 'refused')).toBe(true);
    for (const o of outcomes.slice(0, 5)) expect(o.ms).toBeGreaterThanOrEqual(9);
    expect(guard.open).toBe(true);
    for (const o of outcomes.slice(5)) expect(o.ms).toBeLessThan(5);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ dependency: 'feature store' }) }),
    ]);
    expect(lines[0]?.message).toMatch(/breaker opened/);
  });

  it('closes again after a successful half-open call', async () => {
    const { log, lines } = recordingLog();
    const guard = new DependencyGuard({
      name: 'prediction cache',
      timeoutMs: 5,
      halfOpenAfterMs: 30,
      minimumRps: 2.5,
      log,
    });
    for (let i = 0; i < 5; i++) await guard.execute(() => new Promise(() => undefined)).catch(() => undefined);
    expect(guard.open).toBe(true);
    await new Promise((r) => setTimeout(r, 40));
    expect(await guard.execute(async () => 'back')).toBe('back');
    expect(guard.open).toBe(false);
    expect(lines.map((l) => l.message)).toEqual([
      expect.stringMatching(/opened/),
      expect.stringMatching(/half-open/),
      expect.stringMatching(/closed/),
    ]);
  });
});

describe('the online feature store behind the guard', () => {
  const given = { amount: 12, hour: 3 };

  it('fills missing features from the store', async () => {
    const source: FeatureSource = {
      fetch: async (_user, names) => names.map((n) => (n === 'account_age_days' ? '5' : null)),
      close: async () => undefined,
    };
    const completed = await new OnlineFeatureStore(source, 10).complete(schema, 'u', given);
    expect(completed.fromStore).toEqual(['account_age_days']);
    expect(completed.features.account_age_days).toBe(5);
    expect(completed.defaulted).not.toContain('account_age_days');
  });

  it('with the store frozen: defaults, flagged, within the timeout; once 10 calls in 2 s failed, no wait at all', async () => {
    const store = new OnlineFeatureStore(frozen, 10);
    const missing = schema.features.filter((f) => !(f.name in given)).map((f) => f.name);
    const calls = [];
    for (let i = 0; i < 13; i++) calls.push(await timed(() => store.complete(schema, 'u', given)));
    for (const c of calls) {
      expect(c.value.defaulted).toEqual(missing);
      expect(c.value.features.amount).toBe(12);
      expect(c.ms).toBeLessThan(100);
    }
    expect(store.breakerOpen).toBe(true);
    for (const c of calls.slice(10)) expect(c.ms).toBeLessThan(5);
  });
});

/** Blocks the event loop, as a saturated gateway does between two turns. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose
  }
}

describe('the timeout judges the dependency, not our own event loop', () => {
  it('a reply that arrived while the event loop was busy past the timeout is read, not timed out', async () => {
    // An echo server in another process (so it answers while this loop is stalled) replies at
    // once; the client then blocks its own loop for 30 ms, so the 5 ms timer and the reply are
    // due in the same turn.
    const echo = await spawnSupervised({
      what: 'echo server',
      command: process.execPath,
      args: [
        '-e',
        "const s=require('node:net').createServer(c=>c.on('data',d=>c.write(d)));s.listen(0,'127.0.0.1',()=>console.log(s.address().port))",
      ],
      output: 'pipe',
    });
    const port = await new Promise<number>((r) =>
      echo.child.stdout?.once('data', (d: Buffer) => r(Number(d.toString()))),
    );
    const socket: Socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    try {
      const guard = new DependencyGuard({ name: 'prediction cache', timeoutMs: 5 });
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++) {
        const answer = guard.execute(
          () =>
            new Promise<string>((resolve) => {
              socket.once('data', (d) => resolve(d.toString()));
              socket.write(`ping ${i}`);
            }),
        );
        busy(30);
        outcomes.push(
          await answer.then(
            (v) => v,
            (e: Error) => e.name,
          ),
        );
      }
      expect(outcomes).toEqual([0, 1, 2, 3, 4, 5].map((i) => `ping ${i}`));
      expect(guard.open).toBe(false);
    } finally {
      socket.destroy();
      await echo.stop();
    }
  });

  it('a dependency that does not answer still times out, after one more turn at most', async () => {
    const start = performance.now();
    const error = await settleWithin(() => new Promise(() => undefined), 5).catch((e: Error) => e);
    expect((error as Error).name).toBe('DependencyTimeoutError');
    expect(performance.now() - start).toBeLessThan(100);
  });
});
