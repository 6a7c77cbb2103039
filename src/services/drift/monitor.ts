import { resolve } from 'node:path';
import { loadReferenceProfile } from '../../adapters/files/drift-profile.ts';
import type { DriftSettings } from '../../core/drift/detect.ts';
import type { ReferenceProfile } from '../../core/drift/profile.ts';
import { type DriftMonitorDocument, driftSettingsOf } from '../../core/spec/kinds/drift-monitor.ts';
import { documentsOfKind, type Spec, stackOf } from '../../core/spec/parse.ts';

export interface LoadedMonitor {
  document: DriftMonitorDocument;
  settings: DriftSettings;
  profile: ReferenceProfile;
  profileFile: string;
  /** variant -> Triton model, from the Stack document. */
  variantModels: Record<string, string>;
}

/** Picks the DriftMonitor (by name, or the only one), loads its profile and checks the two agree. */
export function loadMonitor(
  spec: Spec,
  name: string | undefined,
  options: { reference?: string; root?: string } = {},
): LoadedMonitor {
  const monitors = documentsOfKind(spec, 'DriftMonitor');
  if (monitors.length === 0) {
    throw new Error(
      `${spec.file} has no DriftMonitor document; add one (see the fraud-drift example in steadystate.yaml)`,
    );
  }
  const document = name
    ? monitors.find((m) => m.metadata.name === name)
    : monitors.length === 1
      ? monitors[0]
      : undefined;
  if (!document) {
    throw new Error(
      name
        ? `no DriftMonitor named "${name}" in ${spec.file}; it has ${monitors.map((m) => m.metadata.name).join(', ')}`
        : `${spec.file} has ${monitors.length} DriftMonitors (${monitors.map((m) => m.metadata.name).join(', ')}); pick one with --monitor NAME`,
    );
  }
  const stack = stackOf(spec);
  const model = stack.spec.models.find((m) => m.name === document.spec.model);
  if (!model) {
    throw new Error(
      `DriftMonitor ${document.metadata.name}: spec.model "${document.spec.model}" is not a model of the Stack; expected one of ${stack.spec.models.map((m) => m.name).join(', ')}`,
    );
  }
  const profileFile = options.reference ?? resolve(options.root ?? process.cwd(), document.spec.reference);
  const profile = loadReferenceProfile(profileFile);
  const names = profile.features.map((f) => f.name);
  const unknown = Object.keys(document.spec.features).filter((f) => !names.includes(f));
  if (unknown.length > 0) {
    throw new Error(
      `DriftMonitor ${document.metadata.name}: spec.features names ${unknown.join(', ')}, which the reference profile ${profileFile} does not have; its features are ${names.join(', ')}`,
    );
  }
  for (const [feature, override] of Object.entries(document.spec.features)) {
    const type = profile.features.find((f) => f.name === feature)?.type;
    const bad = (override.statistics ?? []).filter((r) =>
      type === 'numeric' ? r.statistic === 'category_share' : r.statistic === 'wasserstein',
    );
    if (bad.length > 0) {
      throw new Error(
        `DriftMonitor ${document.metadata.name}: spec.features.${feature}: ${bad.map((r) => r.statistic).join(', ')} does not apply to the ${type} feature ${feature}`,
      );
    }
  }
  const variantModels = Object.fromEntries(model.variants.map((v) => [v.name, v.tritonModel]));
  if (model.fallbackModel) variantModels.fallback ??= model.fallbackModel;
  return { document, settings: driftSettingsOf(document.spec), profile, profileFile, variantModels };
}
