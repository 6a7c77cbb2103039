import { hash } from 'node:crypto';

/**
 * Whether a request id falls in the prediction log's sample: the first 32 bits of its SHA-1
 * below `rate`. Reproducible, so a label can tell "not sampled" from "lost".
 * (node:crypto is a pure function here: no I/O, no clock.)
 */
export function inPredictionSample(requestId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  // One-shot hash (no Hash object per request: this runs on every prediction); same digest.
  return hash('sha1', requestId, 'buffer').readUInt32BE(0) / 2 ** 32 < rate;
}
