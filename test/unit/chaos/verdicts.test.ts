import { describe, expect, it } from 'vitest';
import { conclude, type RunFacts } from '../../../src/core/chaos/conclusion.ts';
import { decideExpectation } from '../../../src/core/chaos/expectation.ts';
import type { PhaseCheck, StepRecord } from '../../../src/core/chaos/journal.ts';
import { readPromResult } from '../../../src/core/chaos/promql-result.ts';
import { judge, type ProbeVerdict, type Reading, relativeReading } from '../../../src/core/chaos/verdict.ts';

describe('judge: a verdict explains itself, and no data is its own outcome', () => {
  it.each<[string, Reading, { min?: number; max?: number }, Partial<ProbeVerdict>]>([
    [
      'in tolerance',
      { kind: 'value', value: 0.004, n: 250, windowSeconds: 3, detail: '1 of 250 requests failed (5xx)' },
      { max: 0.01 },
      {
        outcome: 'ok',
        value: 0.004,
        n: 250,
        why: '0.004 (1 of 250 requests failed (5xx)) is <= 0.01',
      },
    ],
    [
      'outside',
      { kind: 'value', value: 0.12, detail: 'p99 of 300 requests' },
      { max: 0.1 },
      { outcome: 'deviated', why: '0.12 (p99 of 300 requests) is not <= 0.1' },
    ],
    [
      'a range',
      { kind: 'value', value: 0.5, detail: 'x' },
      { min: 0.6, max: 0.9 },
      { outcome: 'deviated', why: '0.5 (x) is not in [0.6, 0.9]' },
    ],
    [
      'too few events',
      { kind: 'no_data', n: 3, windowSeconds: 1, why: '3 requests in 1 s, need >= 20' },
      { max: 0.01 },
      {
        outcome: 'no_data',
        n: 3,
        why: 'no data: 3 requests in 1 s, need >= 20',
      },
    ],
    [
      'NaN (0/0 from Prometheus)',
      { kind: 'value', value: Number.NaN, detail: 'q' },
      { max: 1 },
      { outcome: 'no_data' },
    ],
    [
      'a probe that could not run',
      { kind: 'error', why: 'connect ECONNREFUSED' },
      { min: 1 },
      { outcome: 'error', why: 'probe failed: connect ECONNREFUSED' },
    ],
  ])('%s', (_name, reading, tolerance, expected) => {
    expect(judge('p', reading, tolerance)).toMatchObject({ probe: 'p', tolerance, ...expected });
  });

  it.each<[string, Reading, Reading | undefined, Reading['kind'], number | undefined]>([
    [
      'a 25% rise',
      { kind: 'value', value: 0.05, detail: 'now' },
      { kind: 'value', value: 0.04, detail: 'before' },
      'value',
      0.25,
    ],
    [
      'a drop',
      { kind: 'value', value: 0.3, detail: 'now' },
      { kind: 'value', value: 0.6, detail: 'before' },
      'value',
      -0.5,
    ],
    [
      'a zero baseline',
      { kind: 'value', value: 0.3, detail: 'now' },
      { kind: 'value', value: 0, detail: 'before' },
      'no_data',
      undefined,
    ],
    ['no baseline', { kind: 'value', value: 0.3, detail: 'now' }, undefined, 'no_data', undefined],
    [
      'a baseline without data',
      { kind: 'value', value: 0.3, detail: 'now' },
      { kind: 'no_data', why: 'few' },
      'no_data',
      undefined,
    ],
  ])('relative to the before phase: %s', (_name, now, baseline, kind, value) => {
    const r = relativeReading(now, baseline);
    expect(r.kind).toBe(kind);
    if (value !== undefined) expect(r.kind === 'value' && r.value).toBeCloseTo(value, 12);
  });
});

describe('readPromResult keeps "no values found" apart from a failed query', () => {
  it.each<[string, unknown, Reading['kind'], number | undefined]>([
    ['a scalar', { resultType: 'scalar', result: [1, '0.25'] }, 'value', 0.25],
    ['one series', { resultType: 'vector', result: [{ metric: {}, value: [1, '3'] }] }, 'value', 3],
    ['an empty vector', { resultType: 'vector', result: [] }, 'no_data', undefined],
    [
      'two series',
      {
        resultType: 'vector',
        result: [
          { metric: { a: '1' }, value: [1, '3'] },
          { metric: { a: '2' }, value: [1, '4'] },
        ],
      },
      'error',
      undefined,
    ],
    ['a range vector', { resultType: 'matrix', result: [] }, 'error', undefined],
  ])('%s', (_name, data, kind, value) => {
    const r = readPromResult('q', data as never);
    expect(r.kind).toBe(kind);
    if (value !== undefined) expect(r.kind === 'value' && r.value).toBe(value);
  });
});

describe('decideExpectation: detection and recovery against their targets', () => {
  const base = {
    kind: 'recovery' as const,
    probe: 'tier-share',
    tolerance: { min: 0.9 },
    declaredWithinSeconds: 60,
    withinSeconds: 18,
  };
  it.each<[string, Partial<Parameters<typeof decideExpectation>[0]>, boolean | null, number | null]>([
    ['met within the target', { fromSeconds: 3, heldAtSeconds: 12, nowSeconds: 20 }, true, 9],
    ['met, but late', { fromSeconds: 3, heldAtSeconds: 25, nowSeconds: 30 }, false, 22],
    ['never met, target passed', { fromSeconds: 3, heldAtSeconds: null, nowSeconds: 22 }, false, null],
    [
      'the run stopped before the target passed: undecided',
      { fromSeconds: 3, heldAtSeconds: null, nowSeconds: 8 },
      null,
      null,
    ],
    ['the clock never started', { fromSeconds: null, heldAtSeconds: null, nowSeconds: 8 }, null, null],
  ])('%s', (_name, over, met, measured) => {
    const e = decideExpectation({ ...base, fromSeconds: null, heldAtSeconds: null, nowSeconds: 0, ...over });
    expect(e.met).toBe(met);
    expect(e.measuredSeconds).toBe(measured);
    expect(e.why.length).toBeGreaterThan(10);
  });
});

describe('conclude: how a run ends', () => {
  const ok = (probe: string): ProbeVerdict => ({
    probe,
    outcome: 'ok',
    tolerance: { max: 0.01 },
    value: 0,
    why: '0 is <= 0.01',
  });
  const bad = (probe: string, outcome: ProbeVerdict['outcome'] = 'deviated'): ProbeVerdict => ({
    probe,
    outcome,
    tolerance: { max: 0.01 },
    why: `${probe} is bad`,
  });
  const check = (...verdicts: ProbeVerdict[]): PhaseCheck => ({
    atSeconds: 1,
    held: verdicts.every((v) => v.outcome === 'ok'),
    verdicts,
  });
  const step = (name: string, outcome: 'succeeded' | 'failed' = 'succeeded'): StepRecord => ({
    name,
    type: 'gateway-faults',
    startSeconds: 3,
    endSeconds: 3.1,
    outcome,
    expected: 'success',
    ...(outcome === 'failed' ? { error: 'HTTP 500' } : {}),
  });
  const healthy: RunFacts = {
    before: check(ok('errors')),
    duringFinal: check(ok('errors')),
    ticks: [],
    duringProbes: ['errors'],
    after: check(ok('errors')),
    method: [step('inject')],
    rollbacks: [step('clean')],
  };
  it.each<[string, Partial<RunFacts>, string, boolean, RegExp]>([
    ['everything held', {}, 'completed', false, /held before, during and after/],
    [
      'not in steady state before: nothing was tested',
      { before: check(bad('errors')) },
      'failed',
      false,
      /not met before the method, nothing was injected: errors deviated/,
    ],
    [
      'deviated during',
      { duringFinal: check(bad('errors')) },
      'failed',
      true,
      /hypothesis deviated: errors deviated: errors is bad \(during, over the method\)/,
    ],
    [
      'no data during confirms nothing',
      { duringFinal: check(bad('errors', 'no_data')) },
      'failed',
      true,
      /errors had no data/,
    ],
    [
      'a windowed probe out at one check',
      { ticks: [{ atSeconds: 4.5, verdicts: [{ ...bad('errors'), scope: 'window' }] }] },
      'failed',
      true,
      /\(during, at 4\.5 s\)/,
    ],
    ['deviated after', { after: check(bad('errors')) }, 'failed', true, /\(after\)/],
    [
      'the recovery target missed',
      {
        recovery: {
          kind: 'recovery',
          probe: 'p',
          tolerance: { min: 1 },
          declaredWithinSeconds: 9,
          withinSeconds: 9,
          fromSeconds: 1,
          measuredSeconds: null,
          met: false,
          why: 'p >= 1 not reached within 9 s',
        },
      },
      'failed',
      true,
      /recovery target missed: p >= 1 not reached within 9 s/,
    ],
    [
      'aborted',
      { abort: { condition: 'burn', atSeconds: 5, verdict: bad('abort:burn') } },
      'aborted',
      true,
      /aborted at 5\.0 s: burn/,
    ],
    ['interrupted', { interrupted: 'SIGTERM' }, 'interrupted', false, /interrupted by SIGTERM; rollbacks ran/],
    [
      'refused by a guard',
      { refused: 'namespace kube-system is not allowed' },
      'failed',
      false,
      /refused before acting: namespace kube-system/,
    ],
    [
      'a method step failed',
      { method: [step('inject', 'failed')] },
      'failed',
      false,
      /method step inject failed: HTTP 500/,
    ],
    [
      'a rollback failed',
      { rollbacks: [step('clean', 'failed')] },
      'failed',
      false,
      /ROLLBACK FAILED \(clean: HTTP 500\): the stack may still be degraded/,
    ],
  ])('%s', (_name, over, status, deviated, reason) => {
    const c = conclude({ ...healthy, ...over });
    expect(c.status).toBe(status);
    expect(c.deviated).toBe(deviated);
    expect(c.reason).toMatch(reason);
  });
});
