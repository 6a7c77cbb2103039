import { GOOD_SERVED_BY, SERVED_BY, type ServedBy } from '../metrics/names.ts';
import type { RequestKind } from './payload-mix.ts';

/**
 * One request of an open-model load run. Times are milliseconds since the run started.
 *
 * Latency is measured from when the request was *due*, not from when the driver got round to
 * sending it: a driver that falls behind would otherwise hide exactly the slow periods it
 * caused (coordinated omission; Gil Tene, "How NOT to measure latency", and wrk2's
 * correction). `serviceMs` is the uncorrected time from the actual send.
 */
export interface LoadRecord {
  /** When the schedule said to send it. */
  scheduledMs: number;
  /** How late the driver sent it (its own lag; large values mean the driver, not the server, is slow). */
  sendLagMs: number;
  /** Due time to complete answer (or to the failure). NaN for a dropped request. */
  latencyMs: number;
  /** Actual send to complete answer. NaN for a dropped request. */
  serviceMs: number;
  /** HTTP status; 0 = no HTTP answer (timeout, connection error, dropped). */
  status: number;
  /** The gateway's `served_by`, when the answer carried one. */
  servedBy: string | null;
  variant: string | null;
  kind: RequestKind;
  fraudLike: boolean;
  /** Why there was no good answer (network error, timeout, dropped). */
  error: string | null;
  /** Never sent: the driver's in-flight limit was reached (k6 calls these dropped_iterations). */
  dropped: boolean;
}

/** The serving tiers of the metric contract, plus requests that got no HTTP answer at all. */
export const LOAD_TIERS = [...SERVED_BY, 'no_answer'] as const;
export type LoadTier = (typeof LOAD_TIERS)[number];

const KNOWN = new Set<string>(SERVED_BY);
const GOOD = new Set<string>(GOOD_SERVED_BY);

/**
 * The tier a request counts under, as the gateway counts it in inference_requests_total: the
 * answer's served_by; a 503 without one is the gateway's load shedding (server.ts answers
 * shed requests before the pipeline runs); any other answer without one is an error.
 */
export function tierOf(record: LoadRecord): LoadTier {
  if (record.status === 0) return 'no_answer';
  if (record.servedBy !== null && KNOWN.has(record.servedBy)) return record.servedBy as ServedBy;
  return record.status === 503 ? 'shed' : 'error';
}

/** A good event for availability: the playbook's (successful + cached) / total, i.e. GOOD_SERVED_BY with a 200. */
export function isGood(record: LoadRecord): boolean {
  return record.status === 200 && record.servedBy !== null && GOOD.has(record.servedBy);
}
