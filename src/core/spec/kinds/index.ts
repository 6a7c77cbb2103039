import type { z } from 'zod';
import { alertPolicyDocument } from './alert-policy.ts';
import { batchJobDocument } from './batch-job.ts';
import { chaosExperimentDocument } from './chaos-experiment.ts';
import { chaosTargetDocument } from './chaos-target.ts';
import { deploymentDocument } from './deployment.ts';
import { driftMonitorDocument } from './drift-monitor.ts';
import { errorBudgetPolicyDocument } from './error-budget-policy.ts';
import { experimentDocument } from './experiment.ts';
import { labelMonitorDocument } from './label-monitor.ts';
import { sloDocument } from './slo.ts';
import { stackDocument } from './stack.ts';

/**
 * Every document kind of steadystate.yaml and its schema. Each issue's feature adds its
 * kind here (SLO, DriftMonitor, Experiment, ChaosExperiment ...), one file per kind.
 */
export const DOCUMENT_KINDS = {
  Stack: stackDocument,
  Experiment: experimentDocument,
  SLO: sloDocument,
  AlertPolicy: alertPolicyDocument,
  ErrorBudgetPolicy: errorBudgetPolicyDocument,
  DriftMonitor: driftMonitorDocument,
  ChaosExperiment: chaosExperimentDocument,
  ChaosTarget: chaosTargetDocument,
  LabelMonitor: labelMonitorDocument,
  BatchJob: batchJobDocument,
  Deployment: deploymentDocument,
} as const satisfies Record<string, z.ZodType>;

export type DocumentKind = keyof typeof DOCUMENT_KINDS;
export type SpecDocument = { [K in DocumentKind]: z.infer<(typeof DOCUMENT_KINDS)[K]> }[DocumentKind];
export type DocumentOf<K extends DocumentKind> = z.infer<(typeof DOCUMENT_KINDS)[K]>;
