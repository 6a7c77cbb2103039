import { hash } from 'node:crypto';

/** Padded message bytes and the message schedule, reused: the function is synchronous. */
let bytes = new Uint8Array(128);
const w = new Int32Array(80);

/**
 * The first 32 bits of SHA-1(UTF-8 of `text`), as an unsigned integer: the prediction log's
 * sample test (sampling.ts) on every request. node:crypto's one-shot hash costs about 1 µs
 * for a 36-character id, most of it setting up the digest; this FIPS 180-4 SHA-1 in plain
 * JS does the one or two blocks of a request id in a fraction of that. Non-ASCII text goes
 * to node:crypto (the UTF-8 encoding is then not a char-code copy); both give the same bits.
 */
export function sha1First32(text: string): number {
  const n = text.length;
  const padded = (((n + 8) >> 6) + 1) << 6;
  if (bytes.length < padded) bytes = new Uint8Array(padded * 2);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return hash('sha1', text, 'buffer').readUInt32BE(0);
    bytes[i] = c;
  }
  bytes[n] = 0x80;
  bytes.fill(0, n + 1, padded);
  // Message length in bits, big-endian, in the last 8 bytes (a request id never needs the high word).
  const bits = n * 8;
  bytes[padded - 4] = (bits >>> 24) & 0xff;
  bytes[padded - 3] = (bits >>> 16) & 0xff;
  bytes[padded - 2] = (bits >>> 8) & 0xff;
  bytes[padded - 1] = bits & 0xff;
  bytes[padded - 5] = Math.floor(bits / 2 ** 32) & 0xff;

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let block = 0; block < padded; block += 64) {
    for (let t = 0; t < 16; t++) {
      const j = block + t * 4;
      w[t] =
        ((bytes[j] as number) << 24) |
        ((bytes[j + 1] as number) << 16) |
        ((bytes[j + 2] as number) << 8) |
        (bytes[j + 3] as number);
    }
    for (let t = 16; t < 80; t++) {
      const x = (w[t - 3] as number) ^ (w[t - 8] as number) ^ (w[t - 14] as number) ^ (w[t - 16] as number);
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + (w[t] as number)) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return h0 >>> 0;
}
