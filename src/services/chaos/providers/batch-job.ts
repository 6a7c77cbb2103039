import { resolve } from 'node:path';
import { paths } from '../../../adapters/process/paths.ts';
import { parseDuration } from '../../../core/spec/kinds/common.ts';
import { runSpotDrill } from '../../batch/spot-drill.ts';
import { type LocalState, needsLocalState } from './local-state.ts';
import { provider } from './provider.ts';

/**
 * Spot reclamation of a batch job that shares the stack's Triton with online serving. The
 * job is started, interrupted (SIGTERM, identity-checked) and resumed within the action; the
 * action fails when the job misses the notice, the resume takes longer than `resumeWithin`,
 * or a row is lost or scored twice. The online SLO meanwhile is the experiment's steady state.
 */
export function batchJobProvider(local: LocalState | undefined) {
  return provider<'batch-spot-interrupt'>({
    backend: 'batch job',
    types: ['batch-spot-interrupt'],
    preflight(action) {
      if (!local) return needsLocalState(action.type);
      if (!local.stack.triton) return 'no Triton in the local stack state: the batch job scores through it';
      return undefined;
    },
    async act(action, ctx) {
      const triton = local?.stack.triton;
      if (!triton) throw new Error('no Triton in the local stack state');
      const notice = parseDuration(action.notice);
      const resumeWithin = parseDuration(action.resumeWithin);
      const drill = await runSpotDrill({
        tritonUrl: `http://127.0.0.1:${triton.ports.http}`,
        input: resolve(paths.root(), action.input),
        tritonModel: action.tritonModel,
        interruptAfterRows: action.interruptAfterRows,
        checkpointRows: action.checkpointRows,
        inflight: action.inflight,
        noticeSeconds: notice,
        timeoutSeconds: Math.max(resumeWithin, notice) + 60,
        signal: ctx.signal,
      });
      const problems = [...drill.problems];
      if (drill.exitSeconds > notice)
        problems.push(`exited ${drill.exitSeconds.toFixed(1)} s after the notice, over ${action.notice}`);
      if (drill.resumeSeconds > resumeWithin) {
        problems.push(`resumed ${drill.resumeSeconds.toFixed(1)} s after the notice, over ${action.resumeWithin}`);
      }
      if (problems.length > 0) throw new Error(`spot interruption: ${problems.join('; ')}`);
      return {
        detail: `batch job interrupted at row ${drill.interruptedAtRow}/${drill.rows}, exited ${drill.exitSeconds.toFixed(2)} s after SIGTERM; resumed in ${drill.resumeSeconds.toFixed(2)} s, done in ${drill.completeSeconds.toFixed(1)} s; every row exactly once`,
        measuredSeconds: drill.resumeSeconds,
      };
    },
  });
}
