import {
  type ModelRegistry,
  type RegisteredVersion,
  RegistryError,
  RegistryUnavailableError,
  type VersionRef,
} from '../../core/deploy/registry.ts';

/**
 * MLflow's REST API (3.17) for the deploy service: model versions by number or alias,
 * aliases, run metrics, and artifacts through the server's proxied artifact store
 * (`mlflow server --artifacts-destination`, URIs `mlflow-artifacts:/...`).
 */
export class MlflowRegistry implements ModelRegistry {
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(url: string, timeoutMs = 10_000) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  async resolve(name: string, ref: VersionRef): Promise<RegisteredVersion> {
    const answer = ref.alias
      ? await this.json('GET', `/api/2.0/mlflow/registered-models/alias?${qs({ name, alias: ref.alias })}`)
      : await this.json('GET', `/api/2.0/mlflow/model-versions/get?${qs({ name, version: ref.version ?? '' })}`);
    const mv = (answer as { model_version?: MlflowVersion }).model_version;
    if (!mv) throw new RegistryError(`${this.url}: no model version in the answer for ${name} ${describe(ref)}`);
    return {
      name: mv.name,
      version: mv.version,
      createdAtMs: Number(mv.creation_timestamp),
      runId: mv.run_id ?? '',
      tags: Object.fromEntries((mv.tags ?? []).map((t) => [t.key, t.value])),
      aliases: mv.aliases ?? [],
    };
  }

  async aliasVersion(name: string, alias: string): Promise<string | undefined> {
    try {
      return (await this.resolve(name, { alias })).version;
    } catch (error) {
      if (error instanceof RegistryError && /RESOURCE_DOES_NOT_EXIST|not found|404/i.test(error.message))
        return undefined;
      throw error;
    }
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.json('POST', '/api/2.0/mlflow/registered-models/alias', { name, alias, version });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.json('DELETE', `/api/2.0/mlflow/registered-models/alias?${qs({ name, alias })}`);
  }

  /** Registers a signed webhook for alias moves (MLflow 3: entity model_version_alias, action created). */
  async createAliasWebhook(name: string, url: string, secret: string): Promise<string> {
    const answer = (await this.json('POST', '/api/2.0/mlflow/webhooks', {
      name,
      url,
      events: [{ entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }],
      secret,
      status: 'ACTIVE',
    })) as { webhook?: { webhook_id?: string } };
    return answer.webhook?.webhook_id ?? '';
  }

  async runMetrics(runId: string): Promise<Record<string, number>> {
    const answer = (await this.json('GET', `/api/2.0/mlflow/runs/get?${qs({ run_id: runId })}`)) as {
      run?: { data?: { metrics?: { key: string; value: number }[] } };
    };
    return Object.fromEntries((answer.run?.data?.metrics ?? []).map((m) => [m.key, m.value]));
  }

  async modelFile(name: string, version: string, path: string): Promise<Uint8Array> {
    const answer = (await this.json(
      'GET',
      `/api/2.0/mlflow/model-versions/get-download-uri?${qs({ name, version })}`,
    )) as { artifact_uri?: string };
    return this.artifact(answer.artifact_uri, path);
  }

  async runFile(runId: string, path: string): Promise<Uint8Array> {
    const answer = (await this.json('GET', `/api/2.0/mlflow/runs/get?${qs({ run_id: runId })}`)) as {
      run?: { info?: { artifact_uri?: string } };
    };
    return this.artifact(answer.run?.info?.artifact_uri, path);
  }

  private async artifact(uri: string | undefined, path: string): Promise<Uint8Array> {
    const prefix = 'mlflow-artifacts:/';
    if (!uri?.startsWith(prefix)) {
      throw new RegistryError(
        `${this.url}: artifact location ${uri} is not served by the registry (start it with --artifacts-destination)`,
      );
    }
    const res = await this.fetch('GET', `/api/2.0/mlflow-artifacts/artifacts/${uri.slice(prefix.length)}/${path}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.fetch(method, path, body);
    const text = await res.text();
    return text ? JSON.parse(text) : {};
  }

  private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
    const call = `MLflow ${method} ${this.url}${path.split('?')[0]}`;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const err = error as Error & { cause?: { code?: string } };
      throw new RegistryUnavailableError(`${call}: cannot reach the registry (${err.cause?.code ?? err.message})`);
    }
    if (res.status >= 500 || res.status === 429) {
      throw new RegistryUnavailableError(`${call} answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    }
    if (!res.ok) throw new RegistryError(`${call} answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res;
  }
}

interface MlflowVersion {
  name: string;
  version: string;
  creation_timestamp: number | string;
  run_id?: string;
  tags?: { key: string; value: string }[];
  aliases?: string[];
}

function qs(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function describe(ref: VersionRef): string {
  return ref.alias ? `@${ref.alias}` : `version ${ref.version}`;
}
