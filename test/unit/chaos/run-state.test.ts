import { describe, expect, it } from 'vitest';
import {
  expectationsSettled,
  initialRunState,
  type RunInput,
  type RunRules,
  type RunState,
  reduceRun,
  wanted,
} from '../../../src/core/chaos/run-state.ts';
import type { ProbeVerdict } from '../../../src/core/chaos/verdict.ts';

const ok = (why = 'fine'): ProbeVerdict => ({ probe: 'p', outcome: 'ok', why, tolerance: {} });
const deviated = (why = 'off'): ProbeVerdict => ({ probe: 'p', outcome: 'deviated', why, tolerance: {} });
const noData = (): ProbeVerdict => ({ probe: 'p', outcome: 'no_data', why: 'too few requests', tolerance: {} });

const rules = (over: Partial<RunRules> = {}): RunRules => ({
  detection: true,
  recovery: { from: 'fault-start', readsWindow: true, windowSeconds: 3 },
  aborts: [{ name: 'errors', forSeconds: 1 }],
  ...over,
});

/** Feeds the inputs in order; returns the last state and every transition. */
function play(r: RunRules, inputs: RunInput[], from: RunState = initialRunState()) {
  let state = from;
  const transitions = [];
  for (const input of inputs) {
    const out = reduceRun(r, state, input);
    state = out.state;
    transitions.push(...out.transitions);
  }
  return { state, transitions };
}

const during: RunInput[] = [
  { type: 'phase', phase: 'during', at: 10 },
  { type: 'fault-started', at: 10 },
];

describe('the run state: phases and the fault clock', () => {
  it('the fault starts once, at the first action; later starts do not move it', () => {
    const { state } = play(rules(), [...during, { type: 'fault-started', at: 12 }]);
    expect(state).toMatchObject({ phase: 'during', faultStart: 10, faultEnd: null });
  });

  it('the method end sets the fault end', () => {
    expect(play(rules(), [...during, { type: 'method-ended', at: 20 }]).state.faultEnd).toBe(20);
  });

  it('samples outside the during phase change nothing', () => {
    const before = play(rules(), [{ type: 'sample', at: 1, detection: ok(), aborts: { errors: deviated() } }]);
    expect(before.state).toEqual(initialRunState());
    const after = play(rules(), [
      ...during,
      { type: 'phase', phase: 'after', at: 30 },
      { type: 'sample', at: 31, detection: ok(), recovery: ok(), aborts: { errors: deviated() } },
      { type: 'sample', at: 33, aborts: { errors: deviated() } },
    ]);
    expect(after.transitions).toEqual([]);
    expect(after.state.detectedAt).toBeNull();
  });
});

describe('detection', () => {
  it.each<[string, RunInput[], number | null]>([
    ['is the first check that finds it true', [{ type: 'sample', at: 11.5, detection: ok('fallback 40%') }], 11.5],
    [
      'is not a check that finds it false',
      [
        { type: 'sample', at: 11, detection: deviated() },
        { type: 'sample', at: 12, detection: noData() },
      ],
      null,
    ],
    [
      'stays at the first time once found',
      [
        { type: 'sample', at: 11, detection: ok() },
        { type: 'sample', at: 12, detection: ok() },
      ],
      11,
    ],
  ])('%s', (_name, samples, detectedAt) => {
    const { state, transitions } = play(rules(), [...during, ...samples]);
    expect(state.detectedAt).toBe(detectedAt);
    expect(transitions.filter((t) => t.type === 'detected')).toHaveLength(detectedAt === null ? 0 : 1);
  });

  it('reports how long after the fault it came, and keeps the last reason while open', () => {
    const open = play(rules(), [...during, { type: 'sample', at: 11, detection: deviated('fallback 2%') }]);
    expect(open.state.lastDetectionWhy).toBe('fallback 2%');
    const found = play(rules(), [{ type: 'sample', at: 12.25, detection: ok('fallback 40%') }], open.state);
    expect(found.transitions).toEqual([{ type: 'detected', at: 12.25, afterSeconds: 2.25, why: 'fallback 40%' }]);
  });

  it('is not asked for before the fault starts, nor after it was found', () => {
    const r = rules();
    expect(wanted(r, play(r, [{ type: 'phase', phase: 'during', at: 1 }]).state).detection).toBe(false);
    expect(wanted(r, play(r, during).state).detection).toBe(true);
    expect(wanted(r, play(r, [...during, { type: 'sample', at: 11, detection: ok() }]).state).detection).toBe(false);
  });
});

describe('the recovery gate', () => {
  // The recovery probe's window (3 s) may still hold healthy traffic from before the fault at 10 s.
  it.each<[string, RunRules, RunInput[], number | null]>([
    [
      'a windowed ok before the fault bit and before one window passed does not count',
      rules(),
      [{ type: 'sample', at: 11, recovery: ok() }],
      null,
    ],
    [
      'a windowed ok counts once the fault was seen to bite',
      rules(),
      [
        { type: 'sample', at: 11, recovery: deviated() },
        { type: 'sample', at: 12, recovery: ok() },
      ],
      12,
    ],
    [
      'a windowed ok counts once a whole window has passed since the clock started',
      rules(),
      [
        { type: 'sample', at: 12.9, recovery: ok() },
        { type: 'sample', at: 13, recovery: ok() },
      ],
      13,
    ],
    [
      'a windowed ok counts once the fault is over',
      rules(),
      [
        { type: 'method-ended', at: 11.5 },
        { type: 'sample', at: 11.5, recovery: ok() },
      ],
      11.5,
    ],
    [
      'a reading of the moment (weights, readiness, pods) counts at once',
      rules({ recovery: { from: 'fault-start', readsWindow: false, windowSeconds: 3 } }),
      [{ type: 'sample', at: 10.5, recovery: ok() }],
      10.5,
    ],
    [
      'from fault-end, nothing counts before the fault ended',
      rules({ recovery: { from: 'fault-end', readsWindow: false, windowSeconds: 3 } }),
      [
        { type: 'sample', at: 11, recovery: ok() },
        { type: 'method-ended', at: 15 },
        { type: 'sample', at: 16, recovery: ok() },
      ],
      16,
    ],
  ])('%s', (_name, r, samples, recoveredAt) => {
    const { state, transitions } = play(r, [...during, ...samples]);
    expect(state.recoveredAt).toBe(recoveredAt);
    const recovered = transitions.filter((t) => t.type === 'recovered');
    expect(recovered).toHaveLength(recoveredAt === null ? 0 : 1);
  });

  it('measures from its own clock: the fault end for from fault-end', () => {
    const r = rules({ recovery: { from: 'fault-end', readsWindow: false, windowSeconds: 3 } });
    const { transitions } = play(r, [
      ...during,
      { type: 'method-ended', at: 15 },
      { type: 'sample', at: 17.5, recovery: ok('primary 99%') },
    ]);
    expect(transitions).toEqual([{ type: 'recovered', at: 17.5, afterSeconds: 2.5, why: 'primary 99%' }]);
  });
});

describe('abort conditions', () => {
  it.each<[string, RunInput[], number | null]>([
    ['fire once outside tolerance for their `for`', [1, 1.5, 2].map((at) => sample(10 + at, deviated())), 12],
    ['do not fire before their `for`', [1, 1.5].map((at) => sample(10 + at, deviated())), null],
    [
      'start counting again after an ok',
      [sample(11, deviated()), sample(11.5, ok()), sample(12, deviated()), sample(12.5, deviated())],
      null,
    ],
    [
      'start counting again after no data (no data is not a deviation)',
      [sample(11, deviated()), sample(11.5, noData()), sample(12.2, deviated())],
      null,
    ],
  ])('%s', (_name, samples, abortAt) => {
    const { state, transitions } = play(rules(), [...during, ...samples]);
    expect(state.abort?.atSeconds ?? null).toBe(abortAt);
    if (abortAt !== null) {
      expect(state.stop).toEqual({ cause: 'aborted', atSeconds: abortAt });
      expect(transitions.map((t) => t.type)).toEqual(['aborted', 'stopped']);
    } else expect(state.stop).toBeUndefined();
  });

  it('the first abort stays: a second condition does not overwrite it', () => {
    const r = rules({
      aborts: [
        { name: 'errors', forSeconds: 0 },
        { name: 'latency', forSeconds: 0 },
      ],
    });
    const { state } = play(r, [
      ...during,
      { type: 'sample', at: 11, aborts: { errors: deviated('errors') } },
      { type: 'sample', at: 12, aborts: { latency: deviated('latency') } },
    ]);
    expect(state.abort).toMatchObject({ condition: 'errors', atSeconds: 11 });
  });
});

describe('stopping', () => {
  it('the first cause wins: an error after an interrupt stays an interrupt', () => {
    const { state, transitions } = play(rules(), [
      ...during,
      { type: 'stop', cause: 'interrupted', at: 12, by: 'SIGINT' },
      { type: 'stop', cause: 'error', at: 13 },
    ]);
    expect(state.stop).toEqual({ cause: 'interrupted', atSeconds: 12, by: 'SIGINT' });
    expect(transitions).toEqual([{ type: 'stopped', at: 12, cause: 'interrupted', by: 'SIGINT' }]);
  });
});

describe('when detection and recovery are settled', () => {
  it.each<[string, RunRules, RunInput[], boolean]>([
    ['nothing asked for', rules({ detection: false, recovery: undefined }), during, true],
    ['both open', rules(), during, false],
    ['detected, recovery open', rules(), [...during, { type: 'sample', at: 11, detection: ok() }], false],
    [
      'both found',
      rules({ recovery: { from: 'fault-start', readsWindow: false, windowSeconds: 3 } }),
      [...during, { type: 'sample', at: 11, detection: ok(), recovery: ok() }],
      true,
    ],
  ])('%s', (_name, r, inputs, settled) => {
    expect(expectationsSettled(r, play(r, inputs).state)).toBe(settled);
  });
});

function sample(at: number, v: ProbeVerdict): RunInput {
  return { type: 'sample', at, aborts: { errors: v } };
}
