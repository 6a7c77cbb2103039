import { hash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha1First32 } from '../../../../src/core/labels/sha1-prefix.ts';

const viaCrypto = (text: string) => hash('sha1', text, 'buffer').readUInt32BE(0);

describe('sha1First32', () => {
  it('is the first 32 bits of SHA-1, as node:crypto computes them', () => {
    expect(sha1First32('abc')).toBe(0xa9993e36);
    expect(sha1First32('')).toBe(0xda39a3ee);
    // Around the padding edges: 55 bytes fit one block with the length, 56 need a second.
    for (const n of [1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300])
      expect(sha1First32('a'.repeat(n))).toBe(viaCrypto('a'.repeat(n)));
  });

  it('agrees with node:crypto on any text, request ids and non-ASCII included', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uuid(), fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 80 })),
        (text) => {
          expect(sha1First32(text)).toBe(viaCrypto(text));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
