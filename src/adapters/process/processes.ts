/**
 * Process control for callers written before the supervisor (src/services/chaos): the safe
 * subset of supervisor.ts. Raw pid signals are gone on purpose: signal a recorded process
 * with `signalVerified` / `stopVerified`, which check its identity first.
 */
export {
  commandOf,
  isAlive,
  signalVerified,
  spawnDetached,
  stopVerified,
  waitForExit,
  waitUntil,
} from './supervisor.ts';
