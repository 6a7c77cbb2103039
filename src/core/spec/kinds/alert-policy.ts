import { z } from 'zod';
import { documentOf } from './common.ts';

/**
 * `kind: AlertPolicy` (at most one): where pages and tickets go, and the thresholds of the
 * playbook's serving alerts. Without the document every default below applies, so a fresh
 * spec still generates a working Alertmanager config pointing at local webhooks.
 */

export const DEFAULT_RECEIVERS = {
  page: 'http://127.0.0.1:9095/alerts/page',
  ticket: 'http://127.0.0.1:9095/alerts/ticket',
} as const;

const receiver = (url: string) =>
  z
    .strictObject({
      webhookUrl: z.url({ error: 'must be a URL such as http://127.0.0.1:9095/alerts/page' }).default(url),
      /** Alertmanager timing: wait before the first notification of a group, and between repeats. */
      groupWait: z.string().regex(/^\d+(s|m|h)$/, 'must be a duration like "30s" or "5m"'),
      repeatInterval: z.string().regex(/^\d+(s|m|h)$/, 'must be a duration like "1h" or "24h"'),
    })
    .partial({ groupWait: true, repeatInterval: true });

export const alertPolicySpec = z.strictObject({
  receivers: z
    .strictObject({
      page: receiver(DEFAULT_RECEIVERS.page).prefault({}),
      ticket: receiver(DEFAULT_RECEIVERS.ticket).prefault({}),
    })
    .prefault({}),
  /** Prefix of runbook_url (e.g. https://github.com/org/repo/blob/main); default: the repository-relative path. */
  runbookBaseUrl: z.url().optional(),
  serving: z
    .strictObject({
      /** Triton's average batch size (nv_inference_count / nv_inference_exec_count) below this... */
      minAvgBatchSize: z.number().positive().default(8),
      /** ...while at least this many inferences per second flow (small batches at low load are normal). */
      minInferenceRate: z.number().nonnegative().default(10),
      /**
       * ...and requests wait in Triton's queue at least this long on average (microseconds):
       * with an empty queue there was nothing to batch (a short batching window at moderate
       * traffic, e.g. the local CPU configuration's 1 ms), which is no batching problem.
       */
      minQueueMicroseconds: z.number().nonnegative().default(1000),
      /** GPU memory used / total above this ratio. */
      gpuMemoryRatio: z.number().gt(0).lt(1).default(0.9),
      /** Share of answers from degraded tiers (stale cache, fallback model, default) above this... */
      fallbackShare: z.number().gt(0).lt(1).default(0.05),
      /** ...and above this multiple of its own one-day average: "rising", not just high. */
      fallbackRiseFactor: z.number().gt(1).default(2),
    })
    .prefault({}),
});

export const alertPolicyDocument = documentOf('AlertPolicy', alertPolicySpec);
export type AlertPolicyDocument = z.infer<typeof alertPolicyDocument>;
export type AlertPolicySpec = AlertPolicyDocument['spec'];

/** The policy in force: the document's, or every default. */
export function defaultAlertPolicy(): AlertPolicySpec {
  return alertPolicySpec.parse({});
}
