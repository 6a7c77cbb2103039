import type { FeatureSchema, FeatureValue } from '../../core/spec/feature-schema.ts';
import { DependencyGuard } from '../guard/dependency-guard.ts';
import type { GatewayLog } from '../log.ts';

export interface CompletedFeatures {
  features: Record<string, FeatureValue>;
  /** Features that neither the request nor the store supplied: filled with defaults. */
  defaulted: string[];
  /** Features that came from the online store. */
  fromStore: string[];
}

/** Where online features live (a port: Redis in production, a map or a stalled fake in tests). */
export interface FeatureSource {
  /** The stored values of `names` for one user, null where absent; strings, as Redis keeps them. */
  fetch(userId: string, names: readonly string[]): Promise<(string | null)[]>;
  close(): Promise<void>;
}

/**
 * The playbook's feature store: entity features for a user, looked up when the request
 * leaves some out. The lookup is guarded like the prediction cache (timeout + breaker): a
 * slow, frozen or dead store costs a request at most the timeout, then nothing while the
 * breaker is open, and the missing features fall back to the schema's defaults, named in
 * the answer's `defaulted_features`.
 */
export class OnlineFeatureStore {
  private readonly source: FeatureSource;
  private readonly guard: DependencyGuard;

  constructor(source: FeatureSource, timeoutMs: number, log?: GatewayLog) {
    this.source = source;
    this.guard = new DependencyGuard({ name: 'feature store', timeoutMs, ...(log ? { log } : {}) });
  }

  get breakerOpen(): boolean {
    return this.guard.open;
  }

  async complete(
    schema: FeatureSchema,
    userId: string,
    given: Record<string, FeatureValue>,
  ): Promise<CompletedFeatures> {
    const missing = schema.features.filter((f) => !(f.name in given));
    if (missing.length === 0) return { features: given, defaulted: [], fromStore: [] };
    let stored: (string | null)[] = [];
    try {
      const names = missing.map((f) => f.name);
      stored = await this.guard.execute(() => this.source.fetch(userId, names));
    } catch {
      stored = [];
    }
    return fillFromStore(given, missing, stored);
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

/** Pure: merges store values (strings from Redis) and defaults into the request's features. */
export function fillFromStore(
  given: Record<string, FeatureValue>,
  missing: FeatureSchema['features'],
  stored: (string | null)[],
): CompletedFeatures {
  const features = { ...given };
  const defaulted: string[] = [];
  const fromStore: string[] = [];
  missing.forEach((f, i) => {
    const raw = stored[i];
    if (raw !== null && raw !== undefined) {
      if (f.type === 'numeric' && Number.isFinite(Number(raw))) {
        features[f.name] = Number(raw);
        fromStore.push(f.name);
        return;
      }
      if (f.type === 'categorical' && f.categories.includes(raw)) {
        features[f.name] = raw;
        fromStore.push(f.name);
        return;
      }
    }
    features[f.name] = f.default;
    defaulted.push(f.name);
  });
  return { features, defaulted, fromStore };
}
