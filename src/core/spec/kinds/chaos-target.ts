import { z } from 'zod';
import { LOCAL_TARGETS } from './chaos/actions.ts';
import { blastRadiusSchema } from './chaos/blast-radius.ts';
import { documentOf, duration, resourceName } from './common.ts';

/**
 * `kind: ChaosTarget` (at most one, in steadystate.yaml): what chaos experiments may touch,
 * and when they run on their own. An experiment acts only on what this allow-list names;
 * without the document, local experiments may act on the local stack and nothing in
 * Kubernetes may be touched.
 */

/** Standard 5-field cron (minute hour day-of-month month day-of-week), as CronJob takes it. */
const CRON_FIELD =
  /^(\*|\d+(-\d+)?|[A-Za-z]{3}(-[A-Za-z]{3})?)(\/\d+)?(,(\*|\d+(-\d+)?|[A-Za-z]{3}(-[A-Za-z]{3})?)(\/\d+)?)*$/;
const cron = z.string().refine(
  (s) => {
    const fields = s.trim().split(/\s+/);
    return (
      (fields.length === 5 && fields.every((f) => CRON_FIELD.test(f))) ||
      /^@(hourly|daily|weekly|monthly|yearly)$/.test(s)
    );
  },
  { message: 'must be a 5-field cron expression (minute hour day month weekday), e.g. "30 10 * * 1-5", or @daily' },
);

const schedule = z.strictObject({
  /** The experiment's metadata.name; its file is chaos/experiments/<name>.yaml (in the image at /app). */
  experiment: resourceName,
  cron,
  timeZone: z.string().default('Etc/UTC'),
  /** Page when no result was pushed for this long (longer than the gap between two runs). */
  staleAfter: duration.default('26h'),
  /** Kill a run that takes longer than this (the Job's activeDeadlineSeconds). */
  timeout: duration.default('30m'),
});

export const chaosTargetSpec = z
  .strictObject({
    local: z
      .strictObject({
        /** What local experiments may act on (processes, models, the gateway's admin API, the built-in load). */
        allow: z.array(z.enum(LOCAL_TARGETS)).default([...LOCAL_TARGETS]),
      })
      .prefault({}),
    /** The Kubernetes cluster: where pods may be deleted, and the in-cluster endpoints of scheduled runs. */
    cluster: z
      .strictObject({
        /** The only namespaces in which pods may be deleted. */
        namespaces: z.array(resourceName).default([]),
        /** Pods take part only when they carry this annotation with the value "true". */
        optInAnnotation: z.string().default('steadystate.dev/chaos'),
        serviceAccount: resourceName.default('steadystate-chaos'),
        /** In-cluster endpoints the scheduled runs use; default: the Stack's gateway Service. */
        gatewayUrl: z.url().optional(),
        prometheusUrl: z.url().default('http://prometheus-operated.monitoring.svc:9090'),
        pushgatewayUrl: z.url().default('http://prometheus-pushgateway.monitoring.svc:9091'),
      })
      .prefault({}),
    /**
     * The most any experiment may break (the operator's limits): experiments may narrow
     * these for themselves, never raise them.
     */
    blastRadius: blastRadiusSchema.prefault({}),
    schedules: z.array(schedule).default([]),
    /** Prefix of the alerts' runbook_url (e.g. https://github.com/org/repo/blob/main); default: the repository path. */
    runbookBaseUrl: z.url().optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.schedules.forEach((s, i) => {
      if (seen.has(s.experiment))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'experiment'],
          message: `${s.experiment} is scheduled twice`,
        });
      seen.add(s.experiment);
    });
    if (spec.schedules.length > 0 && spec.cluster.namespaces.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster', 'namespaces'],
        message: 'scheduled experiments run in Kubernetes; allow at least one namespace, e.g. [steadystate]',
      });
    }
  });

export const chaosTargetDocument = documentOf('ChaosTarget', chaosTargetSpec);
export type ChaosTargetDocument = z.infer<typeof chaosTargetDocument>;
export type ChaosTargetSpec = ChaosTargetDocument['spec'];

/** The allow-list in force: the document's, or the defaults (local stack yes, Kubernetes nothing). */
export function defaultChaosTarget(): ChaosTargetSpec {
  return chaosTargetSpec.parse({});
}

/** The spec's ChaosTarget, or the defaults when it has none. */
export function chaosTargetOf(spec: { documents: readonly { kind: string; spec?: unknown }[] }): ChaosTargetSpec {
  const doc = spec.documents.find((d) => d.kind === 'ChaosTarget');
  return (doc?.spec as ChaosTargetSpec | undefined) ?? defaultChaosTarget();
}
