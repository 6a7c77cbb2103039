import { Agent, request } from 'undici';
import type { FeatureSource } from './feature-store.ts';

interface OnlineResponse {
  metadata?: { feature_names?: string[] };
  results?: { values?: unknown[]; statuses?: string[] }[];
}

/**
 * Online features through Feast's own feature server (`feast serve`, POST
 * /get-online-features with the model's feature service): the reference path, one HTTP hop
 * and Feast's Python per lookup. The same FeatureSource as the direct Redis reader, so the
 * two can be measured side by side (bench `feature-lookup`).
 */
export class FeastServeFeatureSource implements FeatureSource {
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });
  private readonly url: string;
  private readonly featureService: string;
  private readonly joinKey: string;

  constructor(url: string, featureService: string, joinKey: string) {
    this.url = `${url.replace(/\/$/, '')}/get-online-features`;
    this.featureService = featureService;
    this.joinKey = joinKey;
  }

  async fetch(userId: string, names: readonly string[]): Promise<(string | null)[]> {
    const res = await request(this.url, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ feature_service: this.featureService, entities: { [this.joinKey]: [userId] } }),
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`feast serve answered ${res.statusCode} for ${this.url}`);
    }
    return valuesFromResponse((await res.body.json()) as OnlineResponse, names);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Pure: the requested features of the first entity, null where absent or not PRESENT. */
export function valuesFromResponse(body: OnlineResponse, names: readonly string[]): (string | null)[] {
  const columns = body.metadata?.feature_names ?? [];
  return names.map((name) => {
    const result = body.results?.[columns.indexOf(name)];
    if (!result) return null;
    const status = result.statuses?.[0];
    const value = result.values?.[0];
    if ((status !== undefined && status !== 'PRESENT') || value === null || value === undefined) return null;
    return String(value);
  });
}
