import { SpecValidationError } from '../../core/spec/errors.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';
import { documentsOfKind, type Spec, stackOf } from '../../core/spec/parse.ts';

/** The Deployment document for a registered model, checked against the Stack (errors name the field). */
export function deploymentFromSpec(spec: Spec, registeredModel: string): DeploymentSpec {
  const docs = documentsOfKind(spec, 'Deployment');
  const doc = docs.find((d) => d.spec.registry.name === registeredModel || d.metadata.name === registeredModel);
  // Where the problem is: the Deployment found, or (none found) the first document.
  const index = doc ? spec.documents.indexOf(doc) : 0;
  const fail = (path: string, message: string): never => {
    throw new SpecValidationError(spec.file, [
      { document: index, kind: 'Deployment', name: doc?.metadata.name ?? registeredModel, path, message },
    ]);
  };
  if (!doc) {
    return fail(
      'spec.registry.name',
      `no Deployment for registered model "${registeredModel}"; add one (kind: Deployment, spec.registry.name: ${registeredModel})${docs.length ? `; found ${docs.map((d) => d.spec.registry.name).join(', ')}` : ''}`,
    );
  }
  const stack = stackOf(spec);
  const model = stack.spec.models.find((m) => m.name === doc.spec.model);
  if (!model) {
    return fail(
      'spec.model',
      `"${doc.spec.model}" is not a Stack model; expected one of ${stack.spec.models.map((m) => m.name).join(', ')}`,
    );
  }
  const variants = model.variants.map((v) => v.name);
  for (const field of ['championVariant', 'canaryVariant'] as const) {
    if (!variants.includes(doc.spec[field])) {
      fail(
        `spec.${field}`,
        `"${doc.spec[field]}" is not a variant of ${model.name}; expected one of ${variants.join(', ')}`,
      );
    }
  }
  return doc.spec;
}
