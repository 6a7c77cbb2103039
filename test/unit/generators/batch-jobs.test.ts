import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { paths } from '../../../src/adapters/process/paths.ts';
import { batchJobSpec } from '../../../src/core/spec/kinds/batch-job.ts';
import { parseSpec } from '../../../src/core/spec/parse.ts';
import { batchJobsGenerator } from '../../../src/generators/batch/generator.ts';
import { validateManifest } from '../../k8s/validate-manifest.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain JSON
type Obj = any;

const root = paths.root();
const specText = readFileSync(join(root, 'steadystate.yaml'), 'utf8');
const committed: Obj[] = parseAllDocuments(readFileSync(join(root, 'batch/k8s/fraud-batch.yaml'), 'utf8')).map((d) =>
  d.toJS(),
);

describe('batch/k8s: the spot Job', () => {
  const job = committed[0];
  const pod = job.spec.template.spec;

  it('is a valid Kubernetes Job (schema and no unknown field)', () => {
    expect(committed).toHaveLength(1);
    expect(validateManifest(job)).toEqual([]);
  });

  it('lands only on spot nodes, tolerating their taint', () => {
    const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toEqual([
      { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] },
    ]);
    expect(pod.tolerations).toEqual([{ key: 'steadystate.dev/spot', operator: 'Exists', effect: 'NoSchedule' }]);
  });

  it('grace period = the notice; a reclaimed or interrupted pod is retried without counting, bad input fails the Job', () => {
    expect(pod.terminationGracePeriodSeconds).toBe(120);
    expect(pod.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBe(6);
    const rules = job.spec.podFailurePolicy.rules;
    expect(rules[0]).toMatchObject({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] });
    expect(rules[1]).toMatchObject({ action: 'Ignore', onExitCodes: { values: [75] } });
    expect(rules[2]).toMatchObject({ action: 'FailJob', onExitCodes: { values: [2] } });
  });

  it('reads and writes object storage, never the pod disk, with the CLI the image runs', () => {
    const args: string[] = pod.containers[0].args;
    expect(args.slice(0, 2)).toEqual(['batch', 'score']);
    expect(args[args.indexOf('--output') + 1]).toMatch(/^s3:\/\//);
    expect(args[args.indexOf('--input') + 1]).toMatch(/^s3:\/\//);
    expect(pod.containers[0].envFrom).toEqual([{ secretRef: { name: 'steadystate-batch-storage' } }]);
  });

  it('follows the spec: another notice is another grace period', () => {
    const changed = specText.replace('notice: 2m # AWS', 'notice: 90s # AWS');
    const [file] = batchJobsGenerator.generate(parseSpec(changed));
    const regenerated = parseAllDocuments(file?.content ?? '').map((d) => d.toJS())[0];
    expect(regenerated.spec.template.spec.terminationGracePeriodSeconds).toBe(90);
  });
});

describe('BatchJob spec errors name the field', () => {
  const base = { tritonModel: 'fraud_v1', input: 'data.csv', output: 'out' };
  const problems = (value: object) => {
    const parsed = batchJobSpec.safeParse(value);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('accepts the defaults', () => {
    expect(problems(base)).toEqual([]);
  });

  it('refuses a notice too short, a settle time beyond the notice, a pod-local output, a bad duration', () => {
    expect(problems({ ...base, notice: '2s', settleWithin: '1s' })).toEqual([
      expect.stringMatching(/^notice: notice 2s is too short/),
    ]);
    expect(problems({ ...base, settleWithin: '3m' })).toEqual([
      expect.stringMatching(/^settleWithin: settleWithin 3m must be shorter than notice 2m/),
    ]);
    expect(problems({ ...base, cluster: { output: '/data/out' } })).toEqual([
      expect.stringMatching(/^cluster.output: must be an s3:\/\/ location/),
    ]);
    expect(problems({ ...base, checkpoint: { every: 30 } })).toEqual([
      expect.stringMatching(/^checkpoint.every: must be a duration/),
    ]);
    expect(problems({ ...base, input: 'data.json' })).toEqual([
      expect.stringMatching(/^input: input data.json must end in .csv or .parquet/),
    ]);
  });
});
