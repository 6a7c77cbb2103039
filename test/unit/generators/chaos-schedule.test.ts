import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { loadExperimentFile } from '../../../src/adapters/files/experiment-file.ts';
import { paths } from '../../../src/adapters/process/paths.ts';
import { CHAOS } from '../../../src/core/metrics/names.ts';
import { documentsOfKind, parseSpec } from '../../../src/core/spec/parse.ts';
import { chaosScheduleGenerator } from '../../../src/generators/chaos/generator.ts';
import { validateManifest } from '../../k8s/validate-manifest.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are walked as plain JSON
type Obj = any;

const root = paths.root();
const specText = readFileSync(join(root, 'steadystate.yaml'), 'utf8');
const spec = parseSpec(specText);
const target = documentsOfKind(spec, 'ChaosTarget')[0]!.spec;
const objects: Obj[] = ['rbac.yaml', 'cronjobs.yaml'].flatMap((f) =>
  parseAllDocuments(readFileSync(join(root, 'chaos', 'k8s', f), 'utf8')).map((d) => d.toJS()),
);
const rulesFile = join(root, 'alerts', 'chaos.rules.yml');
const find = (kind: string) => objects.filter((o) => o.kind === kind);

describe('chaos/k8s: scheduled experiments as CronJobs with least-privilege RBAC', () => {
  it.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]))('%s is a valid Kubernetes object', (_, o) => {
    expect(validateManifest(o)).toEqual([]);
  });

  it('has one CronJob per schedule, never two runs at once, never retried', () => {
    const jobs = find('CronJob');
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(
      target.schedules.map((s) => `chaos-${s.experiment}`).sort(),
    );
    for (const job of jobs) {
      expect(job.spec.concurrencyPolicy).toBe('Forbid');
      expect(job.spec.jobTemplate.spec.backoffLimit).toBe(0);
      const pod = job.spec.jobTemplate.spec.template.spec;
      expect(pod.serviceAccountName).toBe(target.cluster.serviceAccount);
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.containers[0].securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
    }
  });

  it.each(target.schedules.map((s) => [s.experiment, s]))(
    '%s: the CronJob runs the shipped experiment, which targets an allowed namespace, and pushes its result',
    (name, schedule) => {
      const job = find('CronJob').find((j) => j.metadata.name === `chaos-${name}`);
      const args: string[] = job.spec.jobTemplate.spec.template.spec.containers[0].args;
      expect(args.slice(0, 3)).toEqual(['chaos', 'run', `/app/chaos/experiments/${name}.yaml`]);
      expect(args[args.indexOf('--pushgateway') + 1]).toBe(target.cluster.pushgatewayUrl);
      expect(job.spec.schedule).toBe(schedule.cron);
      // The image holds the repository at /app: the file must exist here, and be a valid kubernetes experiment.
      const file = join(root, 'chaos', 'experiments', `${name}.yaml`);
      expect(existsSync(file)).toBe(true);
      const doc = loadExperimentFile(file);
      expect(doc.metadata.name).toBe(name);
      expect(doc.spec.target).toBe('kubernetes');
      for (const step of doc.spec.method) {
        if (step.action.type === 'pod-delete') expect(target.cluster.namespaces).toContain(step.action.namespace);
      }
    },
  );

  it('the Role may only get, list, watch and delete pods, in each allowed namespace, bound to the job account', () => {
    const roles = find('Role');
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual([...target.cluster.namespaces].sort());
    for (const role of roles) {
      expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'delete'] }]);
    }
    for (const binding of find('RoleBinding')) {
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: target.cluster.serviceAccount,
      });
      expect(binding.subjects).toEqual([
        {
          kind: 'ServiceAccount',
          name: target.cluster.serviceAccount,
          namespace: find('ServiceAccount')[0].metadata.namespace,
        },
      ]);
    }
  });

  it('a spec without schedules writes no manifests, only the failure alert', () => {
    const text = specText.replace(/ {2}schedules:\n(?: {4}- .*\n)+/, '');
    expect(text).not.toContain('schedules:');
    const files = chaosScheduleGenerator.generate(parseSpec(text));
    expect(files.map((f) => f.path).sort()).toEqual(['alerts/chaos.rules.yml', 'chaos/RUNBOOK.md']);
    const rules = parse(files.find((f) => f.path === 'alerts/chaos.rules.yml')!.content).groups[0].rules;
    expect(rules.map((r: Obj) => r.alert)).toEqual(['ChaosExperimentFailed']);
  });

  it.each([
    ['cron: "30 10 * * 1-5"', 'cron: "every monday"', /cron.*5-field cron expression/],
    ['namespaces: [steadystate]', 'namespaces: []', /cluster\.namespaces.*allow at least one namespace/],
    [
      'staleAfter: 4d }\n    - { experiment: k8s-latency-500ms',
      'staleAfter: 4 days }\n    - { experiment: k8s-latency-500ms',
      /staleAfter.*duration/,
    ],
  ])('rejects %s -> %s, naming the field', (from, to, message) => {
    expect(specText).toContain(from);
    expect(() => parseSpec(specText.replace(from, to))).toThrow(message);
  });
});

describe('alerts/chaos.rules.yml', () => {
  it('passes promtool check rules, and every alert has severity, summary, description, runbook_url', () => {
    expect(execFileSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' })).toMatch(
      /SUCCESS: \d+ rules found/,
    );
    const rules = parse(readFileSync(rulesFile, 'utf8')).groups.flatMap((g: Obj) => g.rules);
    for (const rule of rules) {
      expect(rule.labels.severity).toBe('page');
      expect(Object.keys(rule.annotations).sort()).toEqual(['description', 'runbook_url', 'summary']);
      const [file, anchor] = rule.annotations.runbook_url.split('#');
      expect(readFileSync(join(root, file), 'utf8')).toContain(`## ${rule.alert}`);
      expect(anchor).toBe(rule.alert.toLowerCase());
    }
  });

  it('pages on a failed run at once, on a stale one after staleAfter, on a missing one after staleAfter (promtool test rules)', () => {
    const s = target.schedules[0]!;
    const job = 'job="steadystate-chaos"';
    const stale = 4 * 86_400; // the shipped staleAfter, 4d
    expect(s.staleAfter).toBe('4d');
    // Series at 1h steps; time() starts at 0 in promtool tests.
    const suite = {
      rule_files: [rulesFile],
      evaluation_interval: '1h',
      tests: [
        {
          interval: '1h',
          input_series: [
            { series: `${CHAOS.success}{${job},experiment="${s.experiment}"}`, values: '1 1 0 0' },
            { series: `${CHAOS.lastRun}{${job},experiment="${s.experiment}"}`, values: '0x200' },
            {
              series: `${CHAOS.lastRun}{${job},experiment="${target.schedules[1]!.experiment}"}`,
              values: '0+3600x200',
            },
          ],
          alert_rule_test: [
            { eval_time: '1h', alertname: 'ChaosExperimentFailed', exp_alerts: [] },
            {
              eval_time: '2h',
              alertname: 'ChaosExperimentFailed',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'page',
                    burn_tier: 'none',
                    job: 'steadystate-chaos',
                    experiment: s.experiment,
                  },
                  exp_annotations: expect.anything(),
                },
              ],
            },
            // Last run at t=0: still fine just before staleAfter, paging right after.
            { eval_time: `${stale / 3600 - 1}h`, alertname: 'ChaosExperimentNotRun', exp_alerts: [] },
          ],
        },
      ],
    };
    // exp_annotations must be exact in promtool; take them from the generated rules instead of expect.anything().
    const rules = parse(readFileSync(rulesFile, 'utf8')).groups[0].rules as Obj[];
    const annotations = (alert: string, experiment?: string) =>
      rules.find((r) => r.alert === alert && (experiment === undefined || r.labels.experiment === experiment))!
        .annotations;
    const failed = annotations('ChaosExperimentFailed');
    const rendered = (text: string) => text.replaceAll('{{ $labels.experiment }}', s.experiment);
    const tests = suite.tests[0]!;
    tests.alert_rule_test[1] = {
      eval_time: '2h',
      alertname: 'ChaosExperimentFailed',
      exp_alerts: [
        {
          exp_labels: { severity: 'page', burn_tier: 'none', job: 'steadystate-chaos', experiment: s.experiment },
          exp_annotations: {
            summary: rendered(failed.summary),
            description: rendered(failed.description),
            runbook_url: failed.runbook_url,
          },
        },
      ],
    } as never;
    tests.alert_rule_test.push(
      {
        eval_time: `${stale / 3600 + 1}h`,
        alertname: 'ChaosExperimentNotRun',
        exp_alerts: [
          {
            exp_labels: { severity: 'page', burn_tier: 'none', job: 'steadystate-chaos', experiment: s.experiment },
            exp_annotations: annotations('ChaosExperimentNotRun', s.experiment),
          },
        ],
      } as never,
      // Results keep arriving for the other experiment: never stale, never missing.
      { eval_time: '150h', alertname: 'ChaosExperimentResultMissing', exp_alerts: [] } as never,
    );
    const missing = {
      interval: '1h',
      input_series: [{ series: 'unrelated_metric', values: '1x200' }],
      alert_rule_test: [
        { eval_time: `${stale / 3600 - 1}h`, alertname: 'ChaosExperimentResultMissing', exp_alerts: [] },
        {
          eval_time: `${stale / 3600 + 1}h`,
          alertname: 'ChaosExperimentResultMissing',
          exp_alerts: target.schedules.map((x) => ({
            exp_labels: { severity: 'page', burn_tier: 'none', job: 'steadystate-chaos', experiment: x.experiment },
            exp_annotations: annotations('ChaosExperimentResultMissing', x.experiment),
          })),
        },
      ],
    };
    (suite.tests as unknown[]).push(missing);
    const dir = mkdtempSync(join(tmpdir(), 'chaos-rules-'));
    try {
      const file = join(dir, 'chaos.test.yml');
      writeFileSync(file, stringify(suite));
      expect(execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8' })).toMatch(/SUCCESS/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
