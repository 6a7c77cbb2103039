import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadExperimentFile } from '../../../src/adapters/files/experiment-file.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { type ActionSpec, actionSchema, revertOf, targetOf } from '../../../src/core/spec/kinds/chaos/actions.ts';
import { batchJobProvider } from '../../../src/services/chaos/providers/batch-job.ts';
import { LocalState } from '../../../src/services/chaos/providers/local-state.ts';
import type { ActionContext } from '../../../src/services/chaos/providers/provider.ts';

describe('chaos action batch-spot-interrupt', () => {
  const action = actionSchema.parse({ type: 'batch-spot-interrupt' }) as Extract<
    ActionSpec,
    { type: 'batch-spot-interrupt' }
  >;

  it('has its catalog row: target batch-job, nothing to undo, the playbook defaults', () => {
    expect(targetOf(action)).toBe('batch-job');
    expect(revertOf(action)).toBeUndefined();
    expect(action).toMatchObject({ notice: '2m', resumeWithin: '5m', input: 'serving/data/test.csv' });
    expect(() => actionSchema.parse({ type: 'batch-spot-interrupt', input: 'data.json' })).toThrow(
      /must be a .csv or .parquet dataset/,
    );
  });

  it('refuses in preflight without a local stack or without its Triton, naming what is missing', async () => {
    const ctx = {} as ActionContext;
    expect(await batchJobProvider(undefined).preflight(action, ctx)).toBe(
      'batch-spot-interrupt needs the local stack state (--stack-state)',
    );
    expect(await batchJobProvider(new LocalState({} as never)).preflight(action, ctx)).toMatch(
      /no Triton in the local stack state/,
    );
  });

  it('the spot-interruption experiment asks for the playbook row: notice 2m, resume within 5m, online SLO held', () => {
    const doc = loadExperimentFile(join(paths.root(), 'chaos/experiments/spot-interruption.yaml'));
    expect(doc.spec.playbook?.recoveryTarget).toBe('5m');
    expect(doc.spec.method[0]?.action).toMatchObject({
      type: 'batch-spot-interrupt',
      notice: '2m',
      resumeWithin: '5m',
    });
    expect(doc.spec.steadyState?.probes?.map((p) => p.name)).toEqual([
      'every-request-answered',
      'p99-within-slo',
      'primary-serves',
    ]);
  });
});
