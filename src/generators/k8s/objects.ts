import { stringify } from 'yaml';
import { parseDuration } from '../../core/spec/kinds/common.ts';
import type { StackDocument } from '../../core/spec/kinds/stack.ts';

/** A Kubernetes object as written to a manifest (apiVersion, kind, metadata, ...). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export type Component = 'triton' | 'gateway';

/** Names of the objects: `<stack>-triton`, `<stack>-gateway`. */
export function objectName(stack: StackDocument, component: Component): string {
  return `${stack.metadata.name}-${component}`;
}

/** The stable subset of the recommended labels, used as selectors (they must never change). */
export function selectorLabels(stack: StackDocument, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': component === 'triton' ? 'triton' : 'steadystate-gateway',
    'app.kubernetes.io/instance': stack.metadata.name,
  };
}

/** Kubernetes' recommended labels (docs: "Recommended Labels"). */
export function labels(stack: StackDocument, component: Component): Record<string, string> {
  return {
    ...selectorLabels(stack, component),
    'app.kubernetes.io/component': component === 'triton' ? 'inference-server' : 'gateway',
    'app.kubernetes.io/part-of': 'steadystate',
    'app.kubernetes.io/managed-by': 'steadystate',
  };
}

export function metadataOf(stack: StackDocument, component: Component, name = objectName(stack, component)) {
  return { name, namespace: stack.spec.kubernetes.namespace, labels: labels(stack, component) };
}

/** In-cluster URL of the Triton Service's HTTP or metrics port. */
export function tritonServiceUrl(stack: StackDocument, port: number): string {
  return `http://${objectName(stack, 'triton')}.${stack.spec.kubernetes.namespace}.svc:${port}`;
}

/** Whole seconds (at least 1) from a spec duration: probes and grace periods count seconds. */
export function ceilSeconds(duration: string): number {
  return Math.max(1, Math.ceil(parseDuration(duration)));
}

/** One multi-document YAML file: the header comment, then each object. */
export function renderManifests(header: string, objects: KubeObject[]): string {
  return header + objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

/**
 * The container hardening every steadystate process runs with (gateway, chaos CronJob, batch
 * Job): the Pod Security Standards' "restricted" container fields plus a read-only root
 * filesystem; each writable path is a mounted volume the generator names.
 */
export function restrictedContainerSecurityContext() {
  return {
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  };
}
