import type { z } from 'zod';
import { chaosExperimentDocument } from './chaos-experiment.ts';
import { chaosTargetDocument } from './chaos-target.ts';
import { stackDocument } from './stack.ts';

/**
 * Every document kind of steadystate.yaml and its schema. Each issue's feature adds its
 * kind here (SLO, DriftMonitor, Experiment, ChaosExperiment ...), one file per kind.
 */
export const DOCUMENT_KINDS = {
  Stack: stackDocument,
  ChaosExperiment: chaosExperimentDocument,
  ChaosTarget: chaosTargetDocument,
} as const satisfies Record<string, z.ZodType>;

export type DocumentKind = keyof typeof DOCUMENT_KINDS;
export type SpecDocument = { [K in DocumentKind]: z.infer<(typeof DOCUMENT_KINDS)[K]> }[DocumentKind];
export type DocumentOf<K extends DocumentKind> = z.infer<(typeof DOCUMENT_KINDS)[K]>;
