import { z } from 'zod';
import { DURATION_BUCKETS, GATEWAY, SERVED_BY } from '../../metrics/names.ts';
import { minimumObjective, tiersThatCannotFire, tierThreshold } from '../../slo/arithmetic.ts';
import { BURN_TIERS, burnFactor, PERIODS, periodSeconds } from '../../slo/windows.ts';
import { documentOf, duration, parseDuration } from './common.ts';

/**
 * `kind: SLO`: one service-level objective of a model, over a rolling 28d or 30d period.
 * The SLI is exactly one of:
 * - availability: good events are requests answered by a tier in `goodServedBy` (the
 *   playbook counts cached and fallback answers as successes);
 * - latency: the fraction of requests at or under `threshold`, read from the histogram
 *   bucket with exactly that bound (no interpolation: sloth#506);
 * - throughput: a time-slice SLO, a slice is bad when at least `minRps` were offered and
 *   fewer than `minRps` good answers came back (the SRE Workbook's "proportion of time
 *   the processing rate is faster than a threshold", ch. 2);
 * - events / timeslice: raw PromQL, as OpenSLO imports arrive.
 */

const servedBy = z.enum(SERVED_BY);

/** A counter selector such as `http_requests_total{code=~"5.."}`; steadystate wraps it in rate(...[window]). */
const counterSelector = z
  .string()
  .min(1)
  .refine((s) => !/\[[^\]]*\]/.test(s) && !/\brate\s*\(|\bincrease\s*\(/.test(s), {
    error:
      'must be a counter selector such as inference_requests_total{code=~"5.."}, without rate()/increase() or a [range]; steadystate adds rate(...[window])',
  });

function bucketList(): string {
  return DURATION_BUCKETS.map((b) => (b < 1 ? `${Math.round(b * 1000)}ms` : `${b}s`)).join(', ');
}

const latencyThreshold = duration.superRefine((text, ctx) => {
  const seconds = parseDuration(text);
  if (!DURATION_BUCKETS.some((b) => Math.abs(b - seconds) < 1e-12)) {
    ctx.addIssue({
      code: 'custom',
      message: `${text} has no bucket in ${GATEWAY.duration}, so "requests under ${text}" cannot be read without interpolating (sloth#506); use one of its buckets: ${bucketList()} (or add ${seconds} to DURATION_BUCKETS in src/core/metrics/names.ts and redeploy the gateway)`,
    });
  }
});

const sliceDuration = duration.refine(
  (text) => {
    const s = parseDuration(text);
    return s >= 10 && s < 300;
  },
  { error: 'a slice must be at least 10s (two scrapes) and shorter than the 5m alert window, e.g. "1m"' },
);

const sli = z
  .strictObject({
    availability: z
      .strictObject({
        /** Tiers whose answers count as good; default: primary, cache, stale_cache, fallback_model. */
        goodServedBy: z.array(servedBy).min(1).optional(),
      })
      .optional(),
    latency: z
      .strictObject({
        threshold: latencyThreshold,
        /** Only requests answered by these tiers count (default: every request). */
        servedBy: z.array(servedBy).min(1).optional(),
      })
      .optional(),
    throughput: z
      .strictObject({
        /** Requests per second the model must serve whenever at least this many are offered. */
        minRps: z.number().positive(),
        slice: sliceDuration.default('1m'),
        goodServedBy: z.array(servedBy).min(1).optional(),
      })
      .optional(),
    events: z
      .strictObject({
        good: counterSelector.optional(),
        bad: counterSelector.optional(),
        total: counterSelector,
      })
      .refine((e) => (e.good === undefined) !== (e.bad === undefined), {
        error: 'give exactly one of good or bad, next to total',
      })
      .optional(),
    timeslice: z
      .strictObject({
        /** PromQL whose value per slice decides good (op value) or bad. */
        query: z.string().min(1),
        op: z.enum(['gt', 'gte', 'lt', 'lte']),
        value: z.number(),
        slice: sliceDuration,
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    const given = Object.entries(s)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `name exactly one SLI (availability, latency, throughput, events or timeslice); got ${given.length === 0 ? 'none' : given.join(' and ')}`,
      });
    }
  });

const alerting = z.strictObject({
  /**
   * Low-traffic guard: pages need at least this many events per second over 5m. Below it a
   * single failure is a large ratio (pyrra#1925, SRE Workbook ch. 5 "Low-traffic services");
   * the slower ticket tiers still see it.
   */
  minEventRate: z.number().nonnegative().default(0.1),
  /**
   * The guard's escape for outages: below minEventRate a page tier still pages when at least
   * this share of its short window's events failed (a total or near-total outage, also one
   * that cut the traffic, whose long window is still full of the good traffic before it)...
   */
  outageErrorRatio: z.number().gt(0).lte(1).default(0.9),
  /**
   * ...and at least this many events failed over the tier's long window: a count, not a
   * rate, so an outage pages at any traffic once it has failed this many requests, while a
   * lone failure that is the only request of a quiet minute does not.
   */
  outageMinBadEvents: z.number().positive().default(5),
  /** How long the SLI's metric may be missing before SLOMetricAbsent fires. */
  absentFor: duration.default('5m'),
  /** How long the budget must stay exhausted before ErrorBudgetExhausted fires. */
  exhaustedFor: duration.default('5m'),
});

export const sloSpec = z
  .strictObject({
    /** A model of the Stack document (its `name`), e.g. fraud. */
    /** Hyphens are allowed for imported SLOs, whose OpenSLO `service` becomes the model (e.g. "my-service"). */
    model: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9_-]*$/,
        'model names are lowercase letters, digits, "_" and "-", e.g. "fraud" (an OpenSLO service such as "my-service")',
      ),
    description: z.string().optional(),
    /** A ratio below 1: 0.9995 for 99.95%. */
    objective: z.number(),
    period: z.enum(PERIODS, { error: `period must be one of ${PERIODS.join(', ')} (a rolling window)` }).default('30d'),
    /** non-critical SLOs never page: every tier, and the absent-metric alert, become tickets. */
    criticality: z.enum(['critical', 'non-critical']).default('critical'),
    /** Extra labels each SLO series is computed per (the model is always one). */
    groupBy: z.array(z.enum(['variant'])).default([]),
    sli,
    alerting: alerting.prefault({}),
  })
  .superRefine((slo, ctx) => {
    const o = slo.objective;
    if (!(o > 0 && o < 1)) {
      ctx.addIssue({
        code: 'custom',
        path: ['objective'],
        message:
          o >= 1 && o < 100
            ? `objective ${o} is not a ratio; write ${Number((o / 100).toPrecision(12))} for ${o}% (1 would leave no error budget)`
            : `objective ${o} must be a ratio between 0 and 1 (exclusive), e.g. 0.9995 for 99.95%`,
      });
      return;
    }
    const periodSec = periodSeconds(slo.period);
    const impossible = tiersThatCannotFire(o, periodSec);
    if (impossible.length > 0) {
      const tier = impossible[0] ?? BURN_TIERS[0]!;
      ctx.addIssue({
        code: 'custom',
        path: ['objective'],
        message: `objective ${o} can never fire the ${tier.severity} for ${tier.long / 3600}h: it needs an error ratio above ${burnFactor(tier, periodSec)} × ${Number((1 - o).toPrecision(12))} = ${Number(tierThreshold(tier, o, periodSec).toPrecision(6))}, and a ratio cannot exceed 1; with a ${slo.period} period the objective must be at least ${minimumObjective(periodSec).toFixed(6)}`,
      });
    }
  });

export const sloDocument = documentOf('SLO', sloSpec);
export type SloDocument = z.infer<typeof sloDocument>;
export type SloSpec = SloDocument['spec'];
