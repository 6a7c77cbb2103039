import { writeFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';

/**
 * The game day's copy of steadystate.yaml: the same documents, with the Stack pointed at
 * the processes this run started (Triton ports, the cache's and the feature store's Redis) and,
 * to prove the experiments can fail, optionally with the fallback tiers switched off.
 */
export function writeDerivedSpec(
  sourceText: string,
  file: string,
  edits: {
    tritonUrl: string;
    tritonMetricsUrl: string;
    cacheRedisUrl: string;
    featureStoreRedisUrl: string;
    gatewayPort: number;
    fallbacks: boolean;
    /** Where the gateway logs every prediction this run (the late-labels phase joins with it). */
    predictionLogPath: string;
  },
): void {
  const docs = parseAllDocuments(sourceText).map((d) => d.toJS() as Record<string, unknown> | null);
  const out = docs
    .filter((d): d is Record<string, unknown> => d !== null)
    .map((doc) => {
      if (doc.kind !== 'Stack') return doc;
      const spec = structuredClone(doc.spec) as Record<string, unknown> & {
        models: Record<string, unknown>[];
        gateway?: Record<string, unknown>;
        cache?: Record<string, unknown>;
      };
      spec.triton = { url: edits.tritonUrl, metricsUrl: edits.tritonMetricsUrl };
      spec.gateway = { ...(spec.gateway ?? {}), port: edits.gatewayPort, maxInflight: 2_000 };
      spec.cache = { ...(spec.cache ?? {}), backend: 'redis', redisUrl: edits.cacheRedisUrl };
      // Feast's online layout (issue 15): materialized by the feature-store phase, seeded by chaos loads.
      spec.featureStore = {
        backend: 'feast-redis',
        redisUrl: edits.featureStoreRedisUrl,
        keyPrefix: 'features:',
        timeout: '10ms',
      };
      spec.models = spec.models.map((m) => ({ ...m, fallbacks: edits.fallbacks }));
      // Every prediction, not 1%: the late-labels phase judges a 20-30 s window, which at 1% of
      // 40-80 requests/s would hold a handful of labels. Bounded like any prediction log.
      spec.predictionLog = { path: edits.predictionLogPath, sampleRate: 1, maxBytes: 200_000_000, keepFiles: 1 };
      return { ...doc, spec };
    });
  writeFileSync(file, out.map((d) => stringify(d, { lineWidth: 0 })).join('---\n'));
}
