import { z } from 'zod';
import { documentOf, duration } from './common.ts';
import { stackKubernetes } from './stack-kubernetes.ts';

/**
 * `kind: Stack`: what is served and how. One logical model (e.g. `fraud`) has variants,
 * each backed by a Triton model; the gateway routes users to variants by a stable hash.
 */
const variant = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]+$/, 'variant names are lowercase letters, digits and "_", e.g. "v1"'),
  tritonModel: z.string().min(1),
  /** Share of users, in percent; the weights of a model's variants add up to 100. */
  weight: z.number().min(0).max(100),
});

const model = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9_]+$/, 'model names are lowercase letters, digits and "_", e.g. "fraud"'),
    featureSchema: z.string().default('serving/model_repository/feature_schema.json'),
    variants: z.array(variant).min(1),
    /** Variant that receives a mirrored copy of every request; never affects the answer. */
    shadow: z.string().optional(),
    /** Tier 3 of the fallback chain: a simpler Triton model with the same inputs. */
    fallbackModel: z.string().optional(),
    /** Tier 4: the answer when nothing else can give one. */
    defaultPrediction: z.strictObject({ score: z.number().min(0).max(1) }).default({ score: 0 }),
    /** Per-request deadline: part of the latency SLO, so fallbacks still answer within it. */
    deadline: duration.default('80ms'),
  })
  .superRefine((m, ctx) => {
    const total = m.variants.reduce((sum, v) => sum + v.weight, 0);
    if (Math.abs(total - 100) > 1e-9) {
      ctx.addIssue({
        code: 'custom',
        path: ['variants'],
        message: `weights add up to ${total}; they must add up to 100 (e.g. 80 and 20)`,
      });
    }
    const names = m.variants.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `variant names repeat: ${names.join(', ')}` });
    }
    if (m.shadow && !names.includes(m.shadow)) {
      ctx.addIssue({
        code: 'custom',
        path: ['shadow'],
        message: `"${m.shadow}" is not a variant of ${m.name}; expected one of ${names.join(', ')}`,
      });
    }
  });

export const stackSpec = z.strictObject({
  triton: z
    .strictObject({
      url: z.url().default('http://127.0.0.1:8000'),
      metricsUrl: z.url().default('http://127.0.0.1:8002'),
    })
    .default({ url: 'http://127.0.0.1:8000', metricsUrl: 'http://127.0.0.1:8002' }),
  /** Production manifests (serving/k8s/): namespace, images, replicas, object-storage model repository. */
  kubernetes: stackKubernetes,
  models: z.array(model).min(1),
  gateway: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(8080),
      maxBodyBytes: z.number().int().positive().default(65_536),
      maxBatch: z.number().int().positive().default(32),
      maxInflight: z.number().int().positive().default(256),
    })
    .default({ port: 8080, maxBodyBytes: 65_536, maxBatch: 32, maxInflight: 256 }),
  cache: z
    .strictObject({
      backend: z.enum(['memory', 'redis']).default('memory'),
      redisUrl: z.string().optional(),
      ttl: duration.default('60s'),
      /** Stale entries may answer for this long after their TTL when the primary fails. */
      staleFor: duration.default('10m'),
      maxEntries: z.number().int().positive().default(100_000),
    })
    .default({ backend: 'memory', ttl: '60s', staleFor: '10m', maxEntries: 100_000 }),
});

export const stackDocument = documentOf('Stack', stackSpec);
export type StackDocument = z.infer<typeof stackDocument>;
export type StackSpec = StackDocument['spec'];
export type ModelSpec = StackSpec['models'][number];
