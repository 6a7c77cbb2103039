import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadReferenceProfile } from '../adapters/files/drift-profile.ts';
import { binLabels, featureBinner } from '../core/drift/bins.ts';
import type { Spec } from '../core/spec/parse.ts';
import { documentsOfKind } from '../core/spec/parse.ts';
import type { FeatureBinner } from './inference-gateway.ts';
import type { GatewayMetrics } from './metrics.ts';

/**
 * The gateway counts `inference_feature_bin_total{model,feature,bin}` with the bins of the
 * drift reference profile (the DriftMonitor document of each model), so drift can be
 * computed from counters summed in Prometheus across replicas. Every (feature, bin) series
 * starts at zero, so `increase()` counts a bin from its first sample.
 */
export function featureBinnerFromSpec(
  spec: Spec,
  root: string,
  warn: (line: string) => void,
): { binner: FeatureBinner; initialise: (metrics: GatewayMetrics) => void } | undefined {
  const perModel = new Map<string, { bin: ReturnType<typeof featureBinner>; labels: [string, string[]][] }>();
  for (const monitor of documentsOfKind(spec, 'DriftMonitor')) {
    const file = resolve(root, monitor.spec.reference);
    if (!existsSync(file)) {
      warn(
        `drift profile ${file} is missing (run ./scripts/setup.sh); ${monitor.spec.model} feature bins are not counted`,
      );
      continue;
    }
    const profile = loadReferenceProfile(file);
    perModel.set(monitor.spec.model, {
      bin: featureBinner(profile),
      labels: profile.features.map((f) => [f.name, binLabels(f)]),
    });
  }
  if (perModel.size === 0) return undefined;
  return {
    binner: (model, feature, value) => perModel.get(model)?.bin(feature, value),
    initialise: (metrics) => {
      for (const [model, { labels }] of perModel) {
        for (const [feature, bins] of labels)
          for (const bin of bins) metrics.featureBins.inc({ model, feature, bin }, 0);
      }
    },
  };
}
