import {
  ApiException,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

/**
 * `kubectl apply --server-side` for our manifests: each object of a multi-document YAML text
 * is sent as an apply patch (field manager `steadystate`), so the API server itself
 * validates it: schema (built-in types and CRDs' OpenAPI schemas), unknown fields, admission.
 * A refusal names the object and quotes the server.
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

/** The server's own words from a refused request (a Status object's message). */
export function serverMessage(error: unknown): { status: number; message: string } | undefined {
  if (!(error instanceof ApiException)) return undefined;
  const body = error.body as unknown;
  let message = typeof body === 'string' ? body : JSON.stringify(body);
  try {
    const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string };
    if (parsed?.message) message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  return { status: error.code, message };
}

export async function applyObjects(config: KubeConfig, objects: KubernetesObject[]): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(config);
  const applied: KubernetesObject[] = [];
  for (const object of objects) {
    try {
      applied.push(
        await client.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      );
    } catch (error) {
      const refused = serverMessage(error);
      if (refused) throw new ApplyRefused(describeObject(object), refused.status, refused.message);
      throw error;
    }
  }
  return applied;
}
