import { readFileSync } from 'node:fs';
import { type VariantCounters, zeroCounters } from '../../../../src/core/abtest/counters.ts';
import { experimentFromSpec } from '../../../../src/core/abtest/experiment-config.ts';
import { parseSpec } from '../../../../src/core/spec/parse.ts';

/** The shipped experiment (fraud v1 vs v2, 80/20, guardrail 2x at alpha 0.01). */
export const shippedExperiment = () => experimentFromSpec(parseSpec(readFileSync('steadystate.yaml', 'utf8')));

export function counters(requests: number, errors: number, extra: Partial<VariantCounters> = {}): VariantCounters {
  return { ...zeroCounters(), requests, errors, ...extra };
}
