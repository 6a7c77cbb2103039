import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { StackSpec } from '../../core/spec/kinds/stack.ts';
import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';

export interface Option {
  text: string;
  value: string;
}

/** What the dashboards take from the `Stack` documents of the spec. */
export interface StackValues {
  /** Logical models (the gateway's `model` label). */
  models: Option[];
  /** Variant names across models (the gateway's `variant` label). */
  variants: Option[];
  /** Triton model names (Triton's `model` label), each shown with the variant it backs. */
  tritonModels: Option[];
  /** Gateway admission limit: in-flight requests above it are shed. */
  maxInflight: number | undefined;
  /** The strictest per-request deadline, in seconds: upstream latency above it is a fallback. */
  deadlineSeconds: number | undefined;
  /** The first Stack's GPU price (cost row); none without a `cost` block. */
  cost: { nodeType: string; gpuHourlyPrice: number; currency: string } | undefined;
  /** Whether any model has adaptiveBatching (the Triton dashboard then shows the controller's row). */
  adaptiveBatching: boolean;
  /** The first Deployment's deploy-speed objective (deploy row); none without a Deployment. */
  deployObjective: number | undefined;
}

export function stackValues(spec: Spec): StackValues {
  const stacks: StackSpec[] = documentsOfKind(spec, 'Stack').map((d) => d.spec);
  const models = stacks.flatMap((s) => s.models);
  const tritonModels = new Map<string, string>();
  for (const m of models) {
    for (const v of m.variants) tritonModels.set(v.tritonModel, `${m.name} ${v.name} (${v.tritonModel})`);
    if (m.fallbackModel) tritonModels.set(m.fallbackModel, `${m.name} fallback (${m.fallbackModel})`);
  }
  const deadlines = models.map((m) => parseDuration(m.deadline));
  const inflight = stacks.map((s) => s.gateway.maxInflight);
  return {
    models: unique(models.map((m) => m.name)).map((name) => ({ text: name, value: name })),
    variants: unique(models.flatMap((m) => m.variants.map((v) => v.name))).map((name) => ({ text: name, value: name })),
    tritonModels: [...tritonModels].map(([value, text]) => ({ text, value })),
    maxInflight: inflight.length > 0 ? Math.min(...inflight) : undefined,
    deadlineSeconds: deadlines.length > 0 ? Math.min(...deadlines) : undefined,
    cost: stacks.find((s) => s.cost)?.cost,
    adaptiveBatching: models.some((m) => m.adaptiveBatching),
    deployObjective: documentsOfKind(spec, 'Deployment')[0]?.spec.slo.objective,
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
