import { z } from 'zod';
import { documentOf, duration, parseDuration, resourceName } from './common.ts';
import { image, resources } from './stack-kubernetes.ts';

/**
 * `kind: BatchJob`: a dataset scored through Triton on spot capacity (`steadystate batch
 * score`). Spot nodes are reclaimed with a short notice, so the job checkpoints every N rows
 * or T seconds and, on SIGTERM, settles, checkpoints and exits within `notice`; the next pod
 * resumes from the checkpoint. The Kubernetes Job for spot nodes is generated from `cluster`.
 */
const toleration = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['Equal', 'Exists']).default('Equal'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});

const spotNodes = z.strictObject({
  /** Node label that marks spot capacity, and its values (EKS: eks.amazonaws.com/capacityType=SPOT; Karpenter: karpenter.sh/capacity-type=spot). */
  capacityLabel: z.string().min(1).default('karpenter.sh/capacity-type'),
  capacityValues: z.array(z.string().min(1)).min(1).default(['spot']),
  /** Taints spot node pools carry so only jobs that expect reclamation land there. */
  tolerations: z.array(toleration).default([{ key: 'steadystate.dev/spot', operator: 'Exists', effect: 'NoSchedule' }]),
});

const s3Location = z
  .string()
  .regex(/^s3:\/\/\S+$/, "must be an s3:// location: a spot pod's own disk is gone with the reclaimed node");

const cluster = z.strictObject({
  /** Dataset and output as the cluster's pods see them (object storage; the checkpoint must outlive the node). */
  input: s3Location.default('s3://steadystate-data/fraud/test.parquet'),
  output: s3Location.default('s3://steadystate-batch/fraud-batch'),
  /** The steadystate image (entrypoint: the `steadystate` CLI). */
  image: image.default('ghcr.io/steadystate/steadystate:0.1.0'),
  /** Pod failures (a crash, not a spot reclamation: those are not counted) before the Job fails. */
  backoffLimit: z.number().int().min(0).default(6),
  /** Secret with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the dataset and output buckets. */
  credentialsSecret: resourceName.default('steadystate-batch-storage'),
  /** The Triton the job scores through (in-cluster Service). */
  tritonUrl: z.string().url().default('http://triton:8000'),
  /** Pushgateway for the batch_* gauges (unset: no push). */
  pushgatewayUrl: z.string().url().optional(),
  resources: resources.default({ cpu: '2', memory: '2Gi' }),
  spot: spotNodes.default({
    capacityLabel: 'karpenter.sh/capacity-type',
    capacityValues: ['spot'],
    tolerations: [{ key: 'steadystate.dev/spot', operator: 'Exists', effect: 'NoSchedule' }],
  }),
});

export const batchJobSpec = z
  .strictObject({
    /** Triton model that scores the rows (e.g. fraud_v1). */
    tritonModel: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a Triton model name, e.g. "fraud_v1"'),
    /** Feature schema the dataset's columns are checked against. */
    featureSchema: z.string().min(1).default('serving/model_repository/feature_schema.json'),
    /** Dataset: a .csv or .parquet file, local or s3://bucket/key. */
    input: z.string().min(1),
    /** Output location (folder or s3://bucket/prefix): parts, checkpoints and the manifest. */
    output: z.string().min(1),
    format: z.enum(['csv', 'parquet']).default('csv'),
    /** Rows per Triton request; capped by the model's max_batch_size. */
    batchSize: z.number().int().min(1).default(1024),
    /** Requests in flight at once. */
    inflight: z.number().int().min(1).max(256).default(8),
    /** Attempts per batch before the job gives up (resumable). */
    attempts: z.number().int().min(1).default(5),
    checkpoint: z
      .strictObject({
        /** A checkpoint after this many new rows ... */
        everyRows: z.number().int().min(1).default(10_000),
        /** ... or this long after the last one, whichever comes first. */
        every: duration.default('30s'),
      })
      .default({ everyRows: 10_000, every: '30s' }),
    /** The spot termination notice: from SIGTERM to the forced kill (AWS: 2 minutes). */
    notice: duration.default('2m'),
    /** Of the notice, how long batches in flight may finish before they are abandoned. */
    settleWithin: duration.default('20s'),
    cluster: cluster.default(cluster.parse({})),
  })
  .superRefine((spec, ctx) => {
    const notice = parseDuration(spec.notice);
    const settle = parseDuration(spec.settleWithin);
    if (notice < 5) {
      ctx.addIssue({
        code: 'custom',
        path: ['notice'],
        message: `notice ${spec.notice} is too short to write a checkpoint; give at least 5s (AWS spot: 2m)`,
      });
    }
    if (settle >= notice) {
      ctx.addIssue({
        code: 'custom',
        path: ['settleWithin'],
        message: `settleWithin ${spec.settleWithin} must be shorter than notice ${spec.notice}: the checkpoint is written after the batches in flight settle`,
      });
    }
    if (/\.(csv|parquet)$/i.test(spec.input) === false) {
      ctx.addIssue({ code: 'custom', path: ['input'], message: `input ${spec.input} must end in .csv or .parquet` });
    }
  });

export const batchJobDocument = documentOf('BatchJob', batchJobSpec);
export type BatchJobDocument = z.infer<typeof batchJobDocument>;
export type BatchJobSpec = BatchJobDocument['spec'];
