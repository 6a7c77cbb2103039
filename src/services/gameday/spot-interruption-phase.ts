import { loadSpecFile } from '../../adapters/files/spec-file.ts';
import { chaosSuite } from './chaos-suite.ts';
import type { GameDayContext } from './run-gameday.ts';

/**
 * The full game day's spot-interruption phase: the `spot-interruption` chaos experiment
 * against the game day's own stack (a batch job shares its Triton with the online load, is
 * reclaimed and resumed). Only in the full run: it scores the whole test split twice over,
 * which costs about a minute on two cores.
 */
export const SPOT_EXPERIMENT = 'spot-interruption';

export function spotInterruptionPhase(ctx: GameDayContext, specFile: string) {
  return chaosSuite(loadSpecFile(specFile), [SPOT_EXPERIMENT])(ctx);
}
