import type { ServedBy } from '../../core/metrics/names.ts';

/** What the fallback chain answers for one request (one or more rows). */
export interface Answer {
  scores: number[];
  labels: number[];
  model: string;
  variant: string;
  servedBy: ServedBy;
  stale: boolean;
  /** Upstream failure that sent the request down the chain, if any. */
  degradedBecause?: string;
}
