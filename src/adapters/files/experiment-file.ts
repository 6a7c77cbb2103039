import { readFileSync } from 'node:fs';
import { SpecValidationError } from '../../core/spec/errors.ts';
import type { ChaosExperimentDocument } from '../../core/spec/kinds/chaos-experiment.ts';
import { documentsOfKind, parseSpec } from '../../core/spec/parse.ts';

/** One chaos/experiments/*.yaml: validated with the spec's schemas; exactly one ChaosExperiment. */
export function loadExperimentFile(file: string): ChaosExperimentDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the experiment ${file}: ${(error as Error).message}`);
  }
  const spec = parseSpec(text, file);
  const experiments = documentsOfKind(spec, 'ChaosExperiment');
  if (experiments.length !== 1 || spec.documents.length !== 1) {
    throw new SpecValidationError(file, [
      {
        document: 0,
        kind: 'ChaosExperiment',
        name: undefined,
        path: 'kind',
        message: `an experiment file holds exactly one ChaosExperiment document; found ${spec.documents.map((d) => d.kind).join(', ') || 'none'}`,
      },
    ]);
  }
  return experiments[0] as ChaosExperimentDocument;
}
