import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Ajv } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';

/**
 * Validates a manifest object the way an API server would, without one:
 * 1. types, enums, required fields: the Kubernetes OpenAPI schemas compiled into kubernetes-models;
 * 2. unknown fields (what `kubectl apply --validate=strict` rejects): the field lists of the
 *    OpenAPI-generated models in @kubernetes/client-node, since kubernetes-models allows extras;
 * 3. ServiceMonitor: the prometheus-operator CRD schema (a transcribed subset) with ajv.
 * Returns the problems, each naming the path; [] means valid.
 */
export function validateManifest(object: unknown): string[] {
  const o = object as { apiVersion?: unknown; kind?: unknown };
  const key = `${String(o.apiVersion)}/${String(o.kind)}`;
  if (key === 'monitoring.coreos.com/v1/ServiceMonitor') {
    const problems = serviceMonitorProblems(object);
    unknownFields((object as { metadata?: unknown }).metadata, 'V1ObjectMeta', 'metadata', problems);
    return problems;
  }
  const kind = KINDS[key];
  if (!kind) return [`no schema for ${key}; add it to test/k8s/validate-manifest.ts`];
  const problems: string[] = [];
  try {
    new kind.model(object as never).validate();
  } catch (error) {
    problems.push((error as Error).message);
  }
  unknownFields(object, kind.openApiType, '', problems);
  return problems;
}

type ValidatingModel = new (data: never) => { validate(): void };

const KINDS: Record<string, { model: ValidatingModel; openApiType: string }> = {
  'v1/Namespace': { model: Namespace, openApiType: 'V1Namespace' },
  'v1/ConfigMap': { model: ConfigMap, openApiType: 'V1ConfigMap' },
  'v1/Service': { model: Service, openApiType: 'V1Service' },
  'apps/v1/Deployment': { model: Deployment, openApiType: 'V1Deployment' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, openApiType: 'V1PodDisruptionBudget' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, openApiType: 'V1NetworkPolicy' },
  'autoscaling/v2/HorizontalPodAutoscaler': {
    model: HorizontalPodAutoscaler,
    openApiType: 'V2HorizontalPodAutoscaler',
  },
  'v1/ServiceAccount': { model: ServiceAccount, openApiType: 'V1ServiceAccount' },
  'batch/v1/CronJob': { model: CronJob, openApiType: 'V1CronJob' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role, openApiType: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding, openApiType: 'V1RoleBinding' },
};

interface Attribute {
  baseName: string;
  type: string;
}

function modelAttributes(type: string): Attribute[] | undefined {
  return (k8s as unknown as Record<string, { attributeTypeMap?: Attribute[] } | undefined>)[type]?.attributeTypeMap;
}

/** Walks the object along the OpenAPI model types and names every field the type lacks. */
function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || typeof value !== 'object') return; // scalar type errors are kubernetes-models' job
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        unknownFields(v, array[1] as string, `${path}[${i}]`, out);
      });
    }
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value)) unknownFields(v, map[1] as string, `${path}.${k}`, out);
    return;
  }
  const attributes = modelAttributes(type);
  if (!attributes || Array.isArray(value)) return; // IntOrString, any, or a type error reported above
  for (const [k, v] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === k);
    const at = path ? `${path}.${k}` : k;
    if (!attribute) out.push(`${at}: unknown field (${type} has ${attributes.map((a) => a.baseName).join(', ')})`);
    else unknownFields(v, attribute.type, at, out);
  }
}

const ajv = new Ajv({ allErrors: true, strict: true });
const serviceMonitorSchema = ajv.compile(
  JSON.parse(readFileSync(join(import.meta.dirname, 'servicemonitor.schema.json'), 'utf8')) as object,
);

function serviceMonitorProblems(object: unknown): string[] {
  if (serviceMonitorSchema(object)) return [];
  return (serviceMonitorSchema.errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}
