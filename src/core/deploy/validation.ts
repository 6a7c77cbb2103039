import type { FeatureSchema } from '../spec/feature-schema.ts';

/**
 * Validation of a registered version before it sees traffic: pure checks over what the
 * registry and Triton reported. Each failed check is one sentence naming what was expected;
 * a refusal lists them all.
 */

export interface SignatureColumn {
  name: string;
  type: string;
}

export interface ValidationInput {
  /** The version's signature inputs (MLflow column spec), undefined when it has none. */
  signature: SignatureColumn[] | undefined;
  schema: FeatureSchema;
  /** Holdout metrics by name (roc_auc, pr_auc ...), candidate and champion. */
  candidateMetrics: Record<string, number>;
  championMetrics: Record<string, number> | undefined;
  metrics: readonly string[];
  tolerance: number;
  /** Measured on Triton; undefined when the model could not be called. */
  p99Ms: number | undefined;
  p99BudgetMs: number;
  /** The test prediction's score, or the error it gave. */
  testPrediction: { score: number } | { error: string };
}

export interface CheckResult {
  check: 'signature' | 'metrics' | 'latency' | 'prediction';
  ok: boolean;
  detail: string;
}

/** The schema's columns as an MLflow signature writes them: numeric -> double, categorical -> string. */
export function expectedSignature(schema: FeatureSchema): SignatureColumn[] {
  return schema.features.map((f) => ({ name: f.name, type: f.type === 'categorical' ? 'string' : 'double' }));
}

export function signatureCheck(signature: SignatureColumn[] | undefined, schema: FeatureSchema): CheckResult {
  if (!signature) return { check: 'signature', ok: false, detail: 'the version has no signature; log it with one' };
  const expected = expectedSignature(schema);
  const problems: string[] = [];
  const length = Math.max(expected.length, signature.length);
  for (let i = 0; i < length; i++) {
    const want = expected[i];
    const got = signature[i];
    if (!want) problems.push(`extra input ${got?.name} at position ${i + 1}`);
    else if (!got) problems.push(`missing input ${want.name} at position ${i + 1}`);
    else if (want.name !== got.name || want.type !== got.type) {
      problems.push(`position ${i + 1} is ${got.name}:${got.type}, expected ${want.name}:${want.type}`);
    }
  }
  return problems.length === 0
    ? { check: 'signature', ok: true, detail: `${expected.length} inputs match feature_schema.json` }
    : {
        check: 'signature',
        ok: false,
        detail: `signature differs from feature_schema.json: ${problems.slice(0, 4).join('; ')}`,
      };
}

export function metricsCheck(
  input: Pick<ValidationInput, 'candidateMetrics' | 'championMetrics' | 'metrics' | 'tolerance'>,
): CheckResult {
  const problems: string[] = [];
  const parts: string[] = [];
  for (const name of input.metrics) {
    const candidate = input.candidateMetrics[name];
    const champion = input.championMetrics?.[name];
    if (candidate === undefined) {
      problems.push(`holdout ${name} is missing on the version (log it as holdout_${name})`);
      continue;
    }
    if (champion === undefined) {
      parts.push(`${name} ${candidate} (no champion value to compare)`);
      continue;
    }
    const floor = champion - input.tolerance;
    if (candidate < floor) {
      problems.push(
        `holdout ${name} ${candidate} is below the champion's ${champion} by ${round(champion - candidate)} (tolerance ${input.tolerance})`,
      );
    } else parts.push(`${name} ${candidate} vs champion ${champion}`);
  }
  return problems.length === 0
    ? { check: 'metrics', ok: true, detail: parts.join(', ') }
    : { check: 'metrics', ok: false, detail: problems.join('; ') };
}

export function latencyCheck(p99Ms: number | undefined, budgetMs: number): CheckResult {
  if (p99Ms === undefined)
    return { check: 'latency', ok: false, detail: 'no latency measured (the model did not answer)' };
  return p99Ms <= budgetMs
    ? { check: 'latency', ok: true, detail: `p99 ${round(p99Ms)} ms within ${budgetMs} ms` }
    : { check: 'latency', ok: false, detail: `p99 ${round(p99Ms)} ms on Triton is over the budget of ${budgetMs} ms` };
}

export function predictionCheck(result: { score: number } | { error: string }): CheckResult {
  if ('error' in result) return { check: 'prediction', ok: false, detail: `test prediction failed: ${result.error}` };
  const ok = Number.isFinite(result.score) && result.score >= 0 && result.score <= 1;
  return ok
    ? { check: 'prediction', ok: true, detail: `test prediction score ${round(result.score)}` }
    : {
        check: 'prediction',
        ok: false,
        detail: `test prediction score ${result.score} is not a probability in [0, 1]`,
      };
}

export function validate(input: ValidationInput): { ok: boolean; checks: CheckResult[]; reason: string } {
  const checks = [
    signatureCheck(input.signature, input.schema),
    metricsCheck(input),
    latencyCheck(input.p99Ms, input.p99BudgetMs),
    predictionCheck(input.testPrediction),
  ];
  const failed = checks.filter((c) => !c.ok);
  return {
    ok: failed.length === 0,
    checks,
    reason:
      failed.length === 0
        ? checks
            .map((c) => c.detail)
            .filter((detail) => detail !== '') // a stage that compares no metrics (publish) has nothing to say
            .join('; ')
        : `refused: ${failed.map((c) => `${c.check}: ${c.detail}`).join('; ')}`,
  };
}

/** The p99 of latency samples (nearest rank). */
export function percentile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
