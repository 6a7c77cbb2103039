import { sha1First32 } from './sha1-prefix.ts';

/**
 * Whether a request id falls in the prediction log's sample: the first 32 bits of its SHA-1
 * below `rate`. Reproducible, so a label can tell "not sampled" from "lost".
 */
export function inPredictionSample(requestId: string, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  // This runs on every prediction: a plain-JS SHA-1 (sha1-prefix.ts), the same bits as node:crypto's.
  return sha1First32(requestId) / 2 ** 32 < rate;
}
