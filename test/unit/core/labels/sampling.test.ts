import { describe, expect, it } from 'vitest';
import { inPredictionSample } from '../../../../src/core/labels/sampling.ts';

/**
 * The sample rule is a contract between gateway replicas, restarts and the label service
 * (a label tells "not sampled" from "lost" by it): fixed vectors, so a faster hash that
 * changed the digest would fail here.
 */
describe('inPredictionSample', () => {
  it('is the first 32 bits of SHA-1(request id) below the rate', () => {
    // sha1("abc") starts 0xa9993e36: 2845392438 / 2^32 = 0.66249...
    expect(inPredictionSample('abc', 0.6624)).toBe(false);
    expect(inPredictionSample('abc', 0.6625)).toBe(true);
  });

  it('samples about `rate` of ids and everything or nothing at the bounds', () => {
    let n = 0;
    for (let i = 0; i < 20_000; i++) if (inPredictionSample(`req-${i}`, 0.01)) n++;
    expect(n).toBeGreaterThan(140);
    expect(n).toBeLessThan(260);
    expect(inPredictionSample('x', 1)).toBe(true);
    expect(inPredictionSample('x', 0)).toBe(false);
  });
});
