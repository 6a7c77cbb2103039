import { documentsOfKind, stackOf } from '../../core/spec/parse.ts';
import { type KubeObject, renderManifests } from '../k8s/objects.ts';
import { type Generator, generatedHeader } from '../types.ts';
import { batchJobManifest } from './job.ts';

const SOURCE = 'src/generators/batch/generator.ts';

/** batch/k8s/<job>.yaml: one Kubernetes Job per BatchJob, for spot nodes. */
export const batchJobsGenerator: Generator = {
  name: 'batch-jobs',
  owns: ['batch/k8s'],
  generate: (spec) => {
    const stack = stackOf(spec);
    return documentsOfKind(spec, 'BatchJob').map((job) => ({
      path: `batch/k8s/${job.metadata.name}.yaml`,
      content: renderManifests(
        `${generatedHeader(SOURCE)}# Batch scoring on spot nodes: SIGTERM is the spot notice (terminationGracePeriodSeconds); checkpoints in ${job.spec.cluster.output}; a replacement pod resumes.\n`,
        [batchJobManifest(job, stack) as KubeObject],
      ),
    }));
  },
};
