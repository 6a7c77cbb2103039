import { request } from 'node:https';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

/**
 * `kubectl apply --server-side` for our manifests: each object of a multi-document YAML text
 * is sent as it is written (JSON of the YAML, field manager `steadystate`, fieldValidation
 * Strict), so the API server itself judges it: schema (built-in types and CRDs' OpenAPI
 * schemas), unknown fields, admission. Raw on purpose: client-node's typed serializer drops
 * keys its models do not name (a CRD's `x-kubernetes-int-or-string`), so what reached the
 * server would not be the manifest. A refusal names the object and quotes the server.
 */
export const FIELD_MANAGER = 'steadystate';

export class ApplyRefused extends Error {
  override readonly name = 'ApplyRefused';
  readonly object: string;
  readonly status: number;
  readonly serverMessage: string;
  constructor(object: string, status: number, serverMessage: string) {
    super(`the API server refused ${object} (HTTP ${status}): ${serverMessage}`);
    this.object = object;
    this.status = status;
    this.serverMessage = serverMessage;
  }
}

export function manifestObjects(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => o !== null && typeof o === 'object' && 'kind' in o);
}

export function describeObject(o: KubernetesObject): string {
  const ns = o.metadata?.namespace ? `${o.metadata.namespace}/` : '';
  return `${o.kind} ${ns}${o.metadata?.name ?? '(no name)'}`;
}

interface Reply {
  status: number;
  body: string;
}

/** One HTTPS call to the API server with the kube config's credentials and CA. */
async function call(
  config: KubeConfig,
  method: string,
  path: string,
  body?: string,
  contentType?: string,
): Promise<Reply> {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('the kube config has no current cluster');
  const url = new URL(path, server);
  const options: Parameters<typeof request>[1] = {
    method,
    headers: { accept: 'application/json', ...(contentType ? { 'content-type': contentType } : {}) },
  };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const serverWords = (reply: Reply) => {
  try {
    return (JSON.parse(reply.body) as { message?: string }).message ?? reply.body;
  } catch {
    return reply.body;
  }
};

/** The REST path of an object's kind (discovery, cached per group/version). */
async function resourcePath(
  config: KubeConfig,
  object: KubernetesObject,
  cache: Map<string, { name: string; kind: string; namespaced: boolean }[]>,
): Promise<string> {
  const apiVersion = object.apiVersion ?? '';
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  let resources = cache.get(base);
  if (!resources) {
    const reply = await call(config, 'GET', base);
    if (reply.status !== 200) {
      throw new ApplyRefused(
        describeObject(object),
        reply.status,
        `${apiVersion} is not served: ${serverWords(reply)}`,
      );
    }
    resources = (JSON.parse(reply.body) as { resources: { name: string; kind: string; namespaced: boolean }[] })
      .resources;
    cache.set(base, resources);
  }
  const resource = resources.find((r) => r.kind === object.kind && !r.name.includes('/'));
  if (!resource) throw new ApplyRefused(describeObject(object), 404, `no kind ${object.kind} in ${apiVersion}`);
  const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(object.metadata?.namespace ?? 'default')}` : '';
  return `${base}${ns}/${resource.name}/${encodeURIComponent(object.metadata?.name ?? '')}`;
}

export async function applyObjects(config: KubeConfig, objects: KubernetesObject[]): Promise<KubernetesObject[]> {
  const cache = new Map<string, { name: string; kind: string; namespaced: boolean }[]>();
  const applied: KubernetesObject[] = [];
  for (const object of objects) {
    const path = await resourcePath(config, object, cache);
    const reply = await call(
      config,
      'PATCH',
      `${path}?fieldManager=${FIELD_MANAGER}&force=true&fieldValidation=Strict`,
      JSON.stringify(object),
      'application/apply-patch+yaml',
    );
    if (reply.status < 200 || reply.status > 299) {
      throw new ApplyRefused(describeObject(object), reply.status, serverWords(reply));
    }
    applied.push(JSON.parse(reply.body) as KubernetesObject);
  }
  return applied;
}
