import { z } from 'zod';
import { duration, resourceName } from './common.ts';

/**
 * `Stack.spec.kubernetes`: the production shape that `npm run gen` writes to serving/k8s/.
 * Everything has a default, so a Stack without this block still generates manifests.
 */

/** A container image reference with an explicit tag or digest (never an implicit :latest). */
export const image = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._\-/:]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/,
    'must be an image with a tag or digest, e.g. "nvcr.io/nvidia/tritonserver:24.10-py3"',
  );

/** Kubernetes resource quantities as the API writes them: "500m", "2", "512Mi", "16Gi". */
export const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'must be a Kubernetes quantity, e.g. "500m", "2", "512Mi", "16Gi"');

export const resources = z.strictObject({ cpu: quantity, memory: quantity });

/**
 * Where Triton pulls the model repository from (Triton docs, model_repository.md, "Cloud
 * Storage"): `s3://bucket/path`, an S3-compatible store as `s3://https://host:port/bucket/path`,
 * or Azure `as://account/container/path`. Both read their credentials from environment
 * variables, which the Deployment takes from one Secret.
 */
const modelRepositoryUrl = z
  .string()
  .regex(
    /^(s3|as):\/\/\S+$/,
    'must be an object-storage URL Triton can pull from, e.g. "s3://models/fraud" or "as://account/container/fraud"; for Google Cloud Storage use its S3-compatible endpoint, "s3://https://storage.googleapis.com:443/bucket/path"',
  );

const triton = z.strictObject({
  /** NGC image of the Triton release we run locally (24.10 ships Triton 2.51, as the pytriton wheel). */
  image: image.default('nvcr.io/nvidia/tritonserver:24.10-py3'),
  replicas: z.number().int().min(1).default(2),
  /** Upload serving/model_repository_gpu here (onnxruntime backend, KIND_GPU). */
  modelRepository: modelRepositoryUrl.default('s3://steadystate-models/fraud-serving/model_repository_gpu'),
  /** Secret whose keys become Triton's environment (AWS_ACCESS_KEY_ID, ... or AZURE_STORAGE_*). */
  credentialsSecret: resourceName.default('triton-model-repository'),
  gpusPerPod: z.number().int().min(1).default(1),
  /** Labels that put pods on GPU nodes (GPU feature discovery sets nvidia.com/gpu.present). */
  nodeSelector: z.record(z.string(), z.string()).default({ 'nvidia.com/gpu.present': 'true' }),
  /** Cold start: pulling the repository and loading (or building TensorRT engines) before liveness applies. */
  startupTimeout: duration.default('10m'),
  resources: resources.default({ cpu: '4', memory: '16Gi' }),
  /**
   * Triton's own response cache (off when absent): exact repeats of a request are answered by
   * Triton without running the model. The better tool than the gateway's cache when repeats
   * are byte-identical KServe requests and no TTL or invalidation is needed; the gateway's
   * cache is still what serves /v1 (canonical keys, TTL, stale answers during outages).
   * Generates `--cache-config=local,size=BYTES` and `--model-config-name=response_cache`
   * (each model's configs/response_cache.pbtxt: its config plus `response_cache { enable: true }`).
   */
  responseCache: z.strictObject({ size: quantity.default('256Mi') }).optional(),
});

const gateway = z
  .strictObject({
    /** The steadystate image; its entrypoint is the `steadystate` CLI, its working directory /app. */
    image: image.default('ghcr.io/steadystate/steadystate:0.1.0'),
    minReplicas: z.number().int().min(1).default(3),
    maxReplicas: z.number().int().min(1).default(12),
    /** HPA target: average CPU utilisation of the requests, in percent. */
    targetCpuUtilization: z.number().int().min(1).max(100).default(70),
    /** Secret with key `token`: the admin API bearer token. */
    adminTokenSecret: resourceName.default('steadystate-admin-token'),
    /** How long in-flight requests may take to finish after SIGTERM. */
    drainTimeout: duration.default('20s'),
    resources: resources.default({ cpu: '500m', memory: '512Mi' }),
  })
  .superRefine((g, ctx) => {
    if (g.minReplicas > g.maxReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxReplicas'],
        message: `maxReplicas (${g.maxReplicas}) is below minReplicas (${g.minReplicas}); raise maxReplicas or lower minReplicas`,
      });
    }
  });

export const stackKubernetes = z
  .strictObject({
    namespace: resourceName.default('steadystate'),
    /** Namespace of the Prometheus that scrapes the ServiceMonitors: the only one let through to Triton's metrics port. */
    monitoringNamespace: resourceName.default('monitoring'),
    triton: triton.prefault({}),
    gateway: gateway.prefault({}),
  })
  .prefault({});
