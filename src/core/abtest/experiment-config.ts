import { type SpecIssue, SpecValidationError } from '../spec/errors.ts';
import { parseDuration } from '../spec/kinds/common.ts';
import { type ExperimentDocument, type ExperimentMetric, isLabelMetric } from '../spec/kinds/experiment.ts';
import type { StackDocument } from '../spec/kinds/stack.ts';
import { documentsOfKind, type Spec, stackOf } from '../spec/parse.ts';
import { checkGuardrailConfig, DEFAULT_GUARDRAIL_ALTERNATIVES, type RatioGuardrailConfig } from '../stats/guardrail.ts';
import { checkMsprtConfig, DEFAULT_MSPRT, type MsprtConfig } from '../stats/msprt.ts';
import { DEFAULT_SRM, type SrmConfig } from '../stats/srm.ts';

/** An Experiment document joined with its Stack model: everything the pure evaluation needs. */
export interface ExperimentConfig {
  name: string;
  model: string;
  control: string;
  treatment: string;
  /** The planned split from the Stack (percent). */
  plannedWeights: { control: number; treatment: number };
  msprt: MsprtConfig;
  primaryMetric: ExperimentMetric;
  higherIsBetter: boolean;
  /** Every tested metric, primary first. */
  metrics: ExperimentMetric[];
  guardrail: RatioGuardrailConfig;
  srm: SrmConfig;
  minSamplesPerArm: number;
  maxSamplesPerArm: number | undefined;
  errorServedBy: string[];
  positiveLabel: string;
  evaluateEverySeconds: number;
  rollbackWithinSeconds: number;
  /** A tested metric comes from delayed labels: the controller must join a LabelMonitor's counts. */
  usesLabels: boolean;
}

/** The cross-document checks: names the field and the fix. Empty when the pair fits. */
export function experimentIssues(doc: ExperimentDocument, stack: StackDocument, documentIndex = 0): SpecIssue[] {
  const where = { document: documentIndex, kind: 'Experiment', name: doc.metadata.name };
  const model = stack.spec.models.find((m) => m.name === doc.spec.model);
  if (!model) {
    const names = stack.spec.models.map((m) => m.name).join(', ');
    return [
      { ...where, path: 'spec.model', message: `"${doc.spec.model}" is not a Stack model; expected one of ${names}` },
    ];
  }
  const variants = model.variants.map((v) => v.name);
  const issues: SpecIssue[] = [];
  for (const field of ['control', 'treatment'] as const) {
    const variant = model.variants.find((v) => v.name === doc.spec[field]);
    if (!variant) {
      issues.push({
        ...where,
        path: `spec.${field}`,
        message: `"${doc.spec[field]}" is not a variant of ${model.name}; expected one of ${variants.join(', ')}`,
      });
    } else if (variant.weight === 0) {
      issues.push({
        ...where,
        path: `spec.${field}`,
        message: `variant "${variant.name}" has weight 0 in the Stack, so the experiment would see no traffic; give it a share (e.g. 80/20)`,
      });
    }
  }
  const every = parseDuration(doc.spec.evaluateEvery);
  const within = parseDuration(doc.spec.rollbackWithin);
  if (every * 2 > within) {
    issues.push({
      ...where,
      path: 'spec.evaluateEvery',
      message: `${doc.spec.evaluateEvery} leaves no room to roll back within ${doc.spec.rollbackWithin}; evaluate at most every ${within / 2}s`,
    });
  }
  return issues;
}

/** Joins the documents; call experimentIssues first (this throws on the first problem). */
export function resolveExperiment(doc: ExperimentDocument, stack: StackDocument): ExperimentConfig {
  const issues = experimentIssues(doc, stack);
  if (issues.length > 0) throw new RangeError(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  const s = doc.spec;
  const model = stack.spec.models.find((m) => m.name === s.model);
  const weightOf = (name: string) => model?.variants.find((v) => v.name === name)?.weight ?? 0;
  const config: ExperimentConfig = {
    name: doc.metadata.name,
    model: s.model,
    control: s.control,
    treatment: s.treatment,
    plannedWeights: { control: weightOf(s.control), treatment: weightOf(s.treatment) },
    msprt: { ...DEFAULT_MSPRT, alpha: s.alpha, plannedSamples: s.plannedSamples, difference: s.difference },
    primaryMetric: s.primaryMetric.name,
    higherIsBetter: s.primaryMetric.better === 'higher',
    metrics: [s.primaryMetric.name, ...s.metrics.filter((m) => m !== s.primaryMetric.name)],
    guardrail: {
      maxRatio: s.guardrail.maxRatio,
      alpha: s.guardrail.alpha,
      alternatives: DEFAULT_GUARDRAIL_ALTERNATIVES,
    },
    srm: { ...DEFAULT_SRM, alpha: s.srm.alpha },
    minSamplesPerArm: s.minSamplesPerArm,
    maxSamplesPerArm: s.maxSamplesPerArm,
    errorServedBy: [...s.errorServedBy],
    positiveLabel: s.positiveLabel,
    evaluateEverySeconds: parseDuration(s.evaluateEvery),
    rollbackWithinSeconds: parseDuration(s.rollbackWithin),
    usesLabels: [s.primaryMetric.name, ...s.metrics].some(isLabelMetric),
  };
  checkMsprtConfig(config.msprt);
  checkGuardrailConfig(config.guardrail);
  return config;
}

/** The named Experiment of a parsed spec (or its only one), checked against the Stack. */
export function experimentFromSpec(spec: Spec, name?: string): ExperimentConfig {
  const experiments = documentsOfKind(spec, 'Experiment');
  const fail = (path: string, message: string): never => {
    throw new SpecValidationError(spec.file, [{ document: 0, kind: 'Experiment', name, path, message }]);
  };
  if (experiments.length === 0) fail('', `${spec.file} has no Experiment document; add one (kind: Experiment)`);
  const doc = name ? experiments.find((e) => e.metadata.name === name) : experiments[0];
  if (!doc) {
    return fail(
      'metadata.name',
      `no Experiment "${name}"; expected one of ${experiments.map((e) => e.metadata.name).join(', ')}`,
    );
  }
  if (!name && experiments.length > 1) {
    fail(
      '',
      `${experiments.length} Experiment documents; choose one with --experiment (${experiments.map((e) => e.metadata.name).join(', ')})`,
    );
  }
  const index = spec.documents.indexOf(doc);
  const issues = experimentIssues(doc, stackOf(spec), index);
  const labelMetric = [doc.spec.primaryMetric.name, ...doc.spec.metrics].find(isLabelMetric);
  const monitors = documentsOfKind(spec, 'LabelMonitor').filter((m) => m.spec.model === doc.spec.model);
  if (labelMetric && monitors.length !== 1) {
    issues.push({
      document: index,
      kind: 'Experiment',
      name: doc.metadata.name,
      path: doc.spec.primaryMetric.name === labelMetric ? 'spec.primaryMetric.name' : 'spec.metrics',
      message: `${labelMetric} is measured from delayed labels and needs exactly one LabelMonitor for model "${doc.spec.model}", found ${monitors.length}; add a kind: LabelMonitor document (or pick a gateway metric)`,
    });
  }
  if (issues.length > 0) throw new SpecValidationError(spec.file, issues);
  return resolveExperiment(doc, stackOf(spec));
}
