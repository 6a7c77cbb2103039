import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths.ts';

/**
 * The Stages kwok plays on fake nodes and pods. kwok refuses to start without any; the stock
 * ones (cluster/kwok-stages/, copied from kwok v0.8.0) make a node Ready and keep its lease,
 * make a pod Running and Ready at once, complete Job pods and finish deletions.
 *
 * One Stage of ours: a pod that asks for a GPU becomes Ready only after `modelLoadMs`, as a
 * Triton pod does once its models are loaded. It matches the same pods as the stock
 * pod-ready Stage; kwok picks among matching Stages by weight and the stock one has weight 0,
 * so ours (weight 1) always wins for GPU pods and other pods stay instant.
 */
export function stockStagesDir(root = paths.root()): string {
  return join(root, 'cluster', 'kwok-stages');
}

export function stockStages(dir = stockStagesDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
}

export const GPU_RESOURCE = 'nvidia.com/gpu';

export function modelLoadStage(modelLoadMs: number): string {
  if (!(Number.isInteger(modelLoadMs) && modelLoadMs >= 0)) {
    throw new Error(`model load delay must be a whole number of milliseconds >= 0, got ${modelLoadMs}`);
  }
  // The status written is the stock pod-ready's, shortened to what a GPU pod has (no init
  // containers, no readiness gates).
  return podStage({
    name: 'steadystate-gpu-pod-ready-after-model-load',
    phase: 'Pending',
    matchExpressions: `    - key: '.status.conditions.[] | select( .type == "Ready" ) | .status'
      operator: 'NotIn'
      values:
      - 'True'
    - key: '.spec.containers.[].resources.limits["${GPU_RESOURCE}"]'
      operator: 'Exists'
`,
    delayMs: modelLoadMs,
    next: `  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      {{ $hostIPs := NodeIPsWith .spec.nodeName }}
      {{ with $hostIPs }}
      hostIP: {{ index . 0 | Quote }}
      hostIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      {{ $podIPs := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
      {{ with $podIPs }}
      podIP: {{ index . 0 | Quote }}
      podIPs:
      {{ range . }}
      - ip: {{ . | Quote }}
      {{ end }}
      {{ end }}
      phase: Running
      startTime: {{ $now | Quote }}
`,
  });
}

/**
 * Chaos Job pods run as local processes (services/cluster/job-pods.ts), which report the exit
 * code into the pod's status. The stock pod-complete Stage would mark every Running Job pod
 * Succeeded at once; this Stage (weight 1, so it wins) matches those pods first and does
 * nothing for a day: the local run's result is the one the Job controller sees.
 */
export const LOCAL_RUN_COMPONENT = 'chaos';

export function localRunStage(): string {
  return podStage({
    name: 'steadystate-chaos-pod-runs-locally',
    phase: 'Running',
    matchExpressions: `    - key: '.metadata.labels["app.kubernetes.io/component"]'
      operator: 'In'
      values:
      - '${LOCAL_RUN_COMPONENT}'
`,
    delayMs: 86_400_000,
    next: `  next:
    event:
      type: Normal
      reason: RunsLocally
      message: the steadystate job-pod runner runs this container as a local process
`,
  });
}

/**
 * Our Stages' common frame: a pod not being deleted, in `phase`, that also matches
 * `matchExpressions` (YAML list items); weight 1, so it wins over the stock Stage (weight 0)
 * matching the same pods; `next` (YAML at two spaces) after `delayMs`.
 */
function podStage(stage: { name: string; phase: string; matchExpressions: string; delayMs: number; next: string }) {
  return `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${stage.name}
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values:
      - '${stage.phase}'
${stage.matchExpressions}  weight: 1
  delay:
    durationMilliseconds: ${stage.delayMs}
${stage.next}`;
}
