import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paths } from '../../../src/adapters/process/paths.ts';
import type { Journal } from '../../../src/core/chaos/journal.ts';
import { describeRunEvent, type RunEvent } from '../../../src/core/chaos/run-events.ts';
import type { Reading } from '../../../src/core/chaos/verdict.ts';
import { ACTIONS, type ActionSpec } from '../../../src/core/spec/kinds/chaos/actions.ts';
import type { ProbeSpec } from '../../../src/core/spec/kinds/chaos/probes.ts';
import {
  type ChaosExperimentDocument,
  chaosExperimentDocument,
} from '../../../src/core/spec/kinds/chaos-experiment.ts';
import { chaosTargetSpec, defaultChaosTarget } from '../../../src/core/spec/kinds/chaos-target.ts';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';
import { type EngineOptions, runEngine } from '../../../src/services/chaos/engine.ts';
import {
  FakeLoad,
  FakeProbes,
  type FakeProviderOptions,
  FakeSystem,
  fakeProvider,
  type ProbeScript,
} from '../../../src/services/chaos/fakes/fake-system.ts';
import { VirtualClock } from '../../../src/services/chaos/fakes/virtual-clock.ts';
import { gatewayAdminProvider } from '../../../src/services/chaos/providers/gateway-admin.ts';
import { defaultRegistry } from '../../../src/services/chaos/providers/index.ts';
import { LocalState } from '../../../src/services/chaos/providers/local-state.ts';
import { type ActionContext, ActionRegistry } from '../../../src/services/chaos/providers/provider.ts';
import { trafficProvider } from '../../../src/services/chaos/providers/traffic.ts';

/**
 * The engine on in-memory fakes (no stack, virtual time): a whole experiment runs in
 * milliseconds, and what it did to the fake system is checked after each run.
 */
const stack = stackOf(parseSpec(readFileSync(join(paths.root(), 'steadystate.yaml'), 'utf8'))).spec;

/** 10 s of 500 ms gateway latency on every variant; detection by the fallback share, recovery after the fault. */
function experiment(change: (spec: Record<string, unknown>) => void = () => undefined): ChaosExperimentDocument {
  const spec: Record<string, unknown> = {
    target: 'local',
    playbook: { failure: 'GPU slow', detection: 'p99', mitigation: 'fallback', recoveryTarget: '1m' },
    load: { rate: 40 },
    steadyState: {
      window: '2s',
      probes: [{ name: 'answered', probe: { type: 'failed-ratio' }, tolerance: { max: 0.01 } }],
    },
    method: [
      {
        name: 'slow-gpu',
        action: { type: 'gateway-faults', faults: [{ variant: '*', kind: 'latency', probability: 1, latencyMs: 500 }] },
        duration: '10s',
      },
    ],
    rollbacks: [{ name: 'no-faults', action: { type: 'gateway-clear-faults' } }],
    detection: {
      probe: { type: 'tier-share', tiers: ['fallback_model'], window: '1s' },
      tolerance: { min: 0.2 },
      within: '5s',
    },
    recovery: {
      probe: { type: 'tier-share', tiers: ['primary'], window: '1s' },
      tolerance: { min: 0.9 },
      within: '5s',
      from: 'fault-end',
    },
    abort: [
      {
        name: 'users-see-errors',
        probe: { type: 'burn-rate', objective: 0.999, window: '2s' },
        tolerance: { max: 14.4 },
      },
    ],
  };
  change(spec);
  return chaosExperimentDocument.parse({
    apiVersion: 'steadystate.dev/v1alpha1',
    kind: 'ChaosExperiment',
    metadata: { name: 'slow-gpu' },
    spec,
  });
}

/** A healthy system with a working mitigation: faults move traffic to the fallback, users never see errors. */
const mitigated: ProbeScript = (probe, system) => value(probeValue(probe, system.faulty, { errors: 0 }));

function probeValue(probe: ProbeSpec, faulty: boolean, o: { errors: number }): number {
  if (probe.type === 'tier-share')
    return probe.tiers.includes('fallback_model') ? (faulty ? 0.6 : 0) : faulty ? 0.4 : 1;
  if (probe.type === 'failed-ratio') return faulty ? o.errors : 0;
  if (probe.type === 'burn-rate') return faulty ? o.errors / 0.001 : 0;
  return 0;
}

const value = (v: number): Reading => ({ kind: 'value', value: v, n: 100, detail: `fake ${v}` });

interface Harness {
  journal: Journal;
  events: RunEvent[];
  system: FakeSystem;
  probes: FakeProbes;
  load: FakeLoad;
}

async function run(
  doc: ChaosExperimentDocument,
  o: {
    script?: ProbeScript;
    provider?: FakeProviderOptions;
    registry?: (system: FakeSystem) => ActionRegistry;
    onEvent?: (e: RunEvent, interrupt: AbortController) => void;
    dryRun?: boolean;
    target?: EngineOptions['target'];
  } = {},
): Promise<Harness> {
  const clock = new VirtualClock();
  const system = new FakeSystem(clock);
  const probes = new FakeProbes(system, o.script ?? mitigated);
  const load = new FakeLoad();
  const events: RunEvent[] = [];
  const interrupt = new AbortController();
  const journal = await clock.run(
    runEngine({
      document: doc,
      stack,
      target: o.target ?? defaultChaosTarget(),
      env: { gatewayUrl: 'http://127.0.0.1:9', local: new LocalState({ gatewayUrl: 'http://127.0.0.1:9' }) },
      registry: o.registry?.(system) ?? new ActionRegistry([fakeProvider(system, o.provider)]),
      probes,
      clock,
      startLoad: load.starter,
      signal: interrupt.signal,
      dryRun: o.dryRun ?? false,
      onEvent: (e) => {
        events.push(e);
        o.onEvent?.(e, interrupt);
      },
    }),
  );
  return { journal, events, system, probes, load };
}

const types = (events: RunEvent[]) => events.map((e) => e.type);

describe('a whole experiment on fakes', () => {
  it('the fault is detected, the system recovers, the hypothesis holds, and the rollbacks leave it clean', async () => {
    const h = await run(experiment());
    expect(h.journal.status).toBe('completed');
    expect(h.journal.reason).toMatch(/the hypothesis held before, during and after/);
    expect(h.journal.detection).toMatchObject({ met: true, withinSeconds: 5 });
    expect(h.journal.detection?.measuredSeconds).toBeLessThanOrEqual(0.5);
    expect(h.journal.recovery).toMatchObject({ met: true });
    expect(h.journal.method.map((s) => [s.name, s.outcome, s.revert?.type])).toEqual([
      ['slow-gpu', 'succeeded', 'gateway-clear-faults'],
    ]);
    // The fault lasted its duration (10 s of virtual time), then was reverted; the rollback ran too.
    const [on, off, rollback] = h.system.acted;
    expect(on?.action.type).toBe('gateway-faults');
    expect((off?.at ?? 0) - (on?.at ?? 0)).toBeCloseTo(10, 5);
    expect(rollback?.action.type).toBe('gateway-clear-faults');
    expect(h.system.faulty).toBe(false);
    expect(h.load).toMatchObject({ started: 1, stopped: 1 });
    // The typed events, in the order a watcher sees them.
    const order = types(h.events).filter((t) => !['window-deviation', 'action-started'].includes(t));
    expect(order).toEqual([
      'load-started',
      'hypothesis',
      'action-finished',
      'detected',
      'action-finished',
      'recovered',
      'hypothesis',
      'hypothesis',
      'rollback',
      'action-finished',
      'concluded',
    ]);
    expect(h.events.filter((e) => e.type === 'hypothesis').map((e) => e.phase)).toEqual(['before', 'during', 'after']);
    // Every event has a line for the CLI and the game day's log.
    for (const e of h.events)
      if (e.type !== 'action-started') expect(describeRunEvent(e)).toMatch(/^\[\s*\d+\.\d s\] /);
  });

  it('a fault that is never detected misses its detection target and fails the run', async () => {
    const blind: ProbeScript = (probe, system) =>
      probe.type === 'tier-share' && probe.tiers.includes('fallback_model')
        ? value(0)
        : mitigated(probe, system, undefined);
    const h = await run(experiment(), { script: blind });
    expect(h.journal.status).toBe('failed');
    expect(h.journal.deviated).toBe(true);
    expect(h.journal.reason).toMatch(/detection target missed: tier-share >= 0\.2 not reached within 5 s/);
    expect(h.system.faulty).toBe(false);
  });

  it('an abort condition stops the method, cuts the fault short, reverts it and runs the rollbacks', async () => {
    const failing: ProbeScript = (probe, system) => value(probeValue(probe, system.faulty, { errors: 0.5 }));
    const h = await run(experiment(), { script: failing });
    expect(h.journal.status).toBe('aborted');
    expect(h.journal.abort?.condition).toBe('users-see-errors');
    // Aborted within the first second of a 10 s fault: the duration was cut short and reverted.
    const [on, revert, rollback] = h.system.acted;
    expect((revert?.at ?? 99) - (on?.at ?? 0)).toBeLessThan(1.5);
    expect(revert?.action.type).toBe('gateway-clear-faults');
    expect(rollback?.action.type).toBe('gateway-clear-faults');
    expect(h.journal.method[0]?.revert?.outcome).toBe('succeeded');
    expect(h.system.faulty).toBe(false);
    expect(types(h.events)).toContain('aborted');
    expect(h.events.find((e) => e.type === 'rollback')).toMatchObject({ cutShort: ['slow-gpu'], steps: 1 });
  });

  it('SIGINT during the fault: interrupted, the fault reverted, the rollbacks run', async () => {
    const h = await run(experiment(), {
      onEvent: (e, interrupt) => {
        if (e.type === 'detected') interrupt.abort('SIGINT');
      },
    });
    expect(h.journal.status).toBe('interrupted');
    expect(h.journal.reason).toMatch(/interrupted by SIGINT; rollbacks ran/);
    expect(h.system.acted.map((a) => a.action.type)).toEqual([
      'gateway-faults',
      'gateway-clear-faults',
      'gateway-clear-faults',
    ]);
    expect(h.system.faulty).toBe(false);
    // Stopped early: the after check never ran, and recovery stays undecided.
    expect(h.journal.after).toBeUndefined();
    expect(h.journal.recovery?.met).toBeNull();
    expect(types(h.events)).toContain('interrupted');
  });

  it('a preflight refusal acts on nothing: no action, no load, no probe read', async () => {
    const h = await run(experiment(), {
      provider: { refuse: (a) => (a.type === 'gateway-clear-faults' ? 'the admin API is down' : undefined) },
    });
    expect(h.journal.status).toBe('failed');
    expect(h.journal.reason).toMatch(
      /^refused before acting: method step slow-gpu \(its revert after 10s\): the admin API is down$/,
    );
    expect(h.system.acted).toEqual([]);
    expect(h.system.reads).toEqual([]);
    expect(h.load.started).toBe(0);
    expect(types(h.events)).toEqual(['refused', 'concluded']);
  });

  it('a blast radius above the ChaosTarget ceiling is refused before anything runs', async () => {
    const h = await run(
      experiment((s) => {
        s.blastRadius = { maxTrafficShare: 0.5 };
      }),
      { target: chaosTargetSpec.parse({ blastRadius: { maxTrafficShare: 0.25 } }) },
    );
    expect(h.journal.reason).toMatch(/spec\.blastRadius\.maxTrafficShare: 0\.5 is above the ChaosTarget's ceiling/);
    expect(h.system.acted).toEqual([]);
  });

  it('a steady state that does not hold before: nothing is injected, the rollbacks still run', async () => {
    const unhealthy: ProbeScript = (probe) => value(probe.type === 'failed-ratio' ? 0.2 : 0);
    const h = await run(experiment(), { script: unhealthy });
    expect(h.journal.status).toBe('failed');
    expect(h.journal.reason).toMatch(/steady state not met before the method, nothing was injected/);
    expect(h.system.acted.map((a) => a.action.type)).toEqual(['gateway-clear-faults']);
  });

  it('a method step that fails stops the run; the rollbacks run', async () => {
    const h = await run(experiment(), {
      provider: { fail: (a) => (a.type === 'gateway-faults' ? 'HTTP 500' : undefined) },
    });
    expect(h.journal.status).toBe('failed');
    expect(h.journal.reason).toMatch(/method step slow-gpu failed: HTTP 500/);
    expect(h.journal.rollbacks.map((r) => r.outcome)).toEqual(['succeeded']);
  });

  it('a dry run says what it checked and that nothing was measured', async () => {
    const h = await run(experiment(), { dryRun: true });
    expect(h.journal).toMatchObject({ dryRun: true, status: 'completed', method: [], rollbacks: [] });
    expect(h.journal.reason).toMatch(
      /^dry run: \d+ checks passed .*nothing was injected and nothing was measured, so the hypothesis was not tested/,
    );
    expect(h.journal.reason).not.toMatch(/hypothesis held/);
    expect(h.journal.checked).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^the experiment against the Stack and the ChaosTarget/),
        'method step slow-gpu: gateway-faults on the fake system passed its guards',
        'rollback no-faults: gateway-clear-faults on the fake system passed its guards',
      ]),
    );
    expect(h.system.acted).toEqual([]);
    expect(h.system.reads).toEqual([]);
    expect(describeRunEvent(h.events[0] as RunEvent)).toMatch(/nothing was injected and nothing was measured/);
  });
});

describe('providers registered by action type', () => {
  it('the traffic provider drives the built-in load: a burst for its duration, then back to 0', async () => {
    const doc = experiment((s) => {
      s.load = { rate: 40, hotShare: 0.2 };
      s.method = [{ name: 'stampede', action: { type: 'traffic-burst', rate: 200 }, duration: '5s' }];
      s.rollbacks = [{ name: 'no-burst', action: { type: 'traffic-burst', rate: 0 } }];
      s.detection = undefined;
      s.recovery = undefined;
    });
    const h = await run(doc, {
      registry: (system) => new ActionRegistry([trafficProvider(), fakeProvider(system, { types: [] })]),
    });
    expect(h.journal.status).toBe('completed');
    expect(h.load.bursts).toEqual([200, 0, 0]);
  });

  it('every action type of the schema has exactly one provider, one module per backend', () => {
    const registry = defaultRegistry({});
    expect(registry.types().sort()).toEqual(Object.keys(ACTIONS).sort());
    const backends = new Set(registry.types().map((type) => registry.backendOf({ type } as ActionSpec)));
    expect([...backends].sort()).toEqual([
      'Kubernetes API',
      'Triton model control',
      'batch job',
      'built-in load',
      'gateway admin API',
      'model registry',
      'prometheus',
      'redis',
      'tritonserver process',
    ]);
  });

  it('a provider without its backend refuses in preflight, naming what to pass', async () => {
    const registry = defaultRegistry({});
    const ctx = { stack, spec: experiment().spec } as unknown as ActionContext;
    expect(await registry.preflight({ type: 'triton-kill', signal: 'SIGKILL' }, ctx)).toBe(
      'triton-kill needs the local stack state (--stack-state)',
    );
    expect(await registry.preflight({ type: 'gateway-clear-faults' }, ctx)).toMatch(
      /needs the gateway admin API: set STEADYSTATE_ADMIN_TOKEN/,
    );
  });

  it('two providers for one action type are refused when registered', () => {
    expect(() => new ActionRegistry([trafficProvider(), trafficProvider()])).toThrow(
      /action traffic-shift has two providers: built-in load and built-in load/,
    );
  });

  it('the gateway provider judges the blast radius on the weights found before the method', async () => {
    const admin = {
      weights: { v1: 50, v2: 50 } as Record<string, number>,
      faults: [] as unknown[],
      getWeights: async () => ({ ...admin.weights }),
      setWeights: async (_m: string, w: Record<string, number>) => {
        admin.weights = w;
        return w;
      },
      getFaults: async () => [],
      setFaults: async (f: never[]) => {
        admin.faults = f;
        return f;
      },
      clearFaults: async () => {
        admin.faults = [];
      },
    };
    const doc = experiment((s) => {
      s.method = [
        {
          name: 'v2-fails',
          action: { type: 'gateway-faults', faults: [{ variant: 'v2', kind: 'error', probability: 1 }] },
          duration: '5s',
        },
      ];
      s.blastRadius = { maxTrafficShare: 0.25 };
    });
    const h = await run(doc, {
      registry: () => new ActionRegistry([gatewayAdminProvider(admin)]),
    });
    expect(h.journal.reason).toMatch(
      /reach 50\.0% of requests \(weights \{"v1":50,"v2":50\}\), above blastRadius\.maxTrafficShare 25\.0%/,
    );
    expect(admin.faults).toEqual([]);
  });
});
