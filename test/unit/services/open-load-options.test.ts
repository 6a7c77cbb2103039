import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPayloadMix } from '../../../src/core/load/payload-mix.ts';
import { type OpenLoadOptions, runOpenLoad } from '../../../src/services/load/open-load.ts';

const schema = { features: [{ name: 'amount', type: 'numeric' as const, min: 0, default: 42 }] };
const base: OpenLoadOptions = {
  url: 'http://127.0.0.1:9',
  ratePerSecond: 10,
  durationMs: 100,
  next: createPayloadMix(schema).next,
};

describe('open load options', () => {
  it.each<[string, Partial<OpenLoadOptions>, RegExp]>([
    [
      'a host that is not this machine',
      { url: 'http://10.0.0.7:8080' },
      /"http:\/\/10\.0\.0\.7:8080" is not a loopback address/,
    ],
    ['a public name', { url: 'http://gateway.example.com' }, /is not a loopback address.*k6 scripts in loadtests/],
    ['https', { url: 'https://127.0.0.1:8443' }, /must use http:/],
    ['not a URL', { url: 'gateway:8080' }, /must use http:|is not a URL/],
    ['a zero rate', { ratePerSecond: 0 }, /ratePerSecond must be in \(0, 20000\], got 0/],
    ['an unbounded duration', { durationMs: Number.POSITIVE_INFINITY }, /durationMs must be in \(0, 3600000\]/],
    ['a fractional request bound', { maxRequests: 2.5 }, /maxRequests must be an integer >= 1, got 2.5/],
    ['a negative timeout', { timeoutMs: -1 }, /timeoutMs must be a positive number, got -1/],
  ])('refuses %s before sending anything, naming the value', async (_name, overrides, message) => {
    await expect(runOpenLoad({ ...base, ...overrides })).rejects.toThrow(message);
  });

  it.each(['http://localhost:1', 'http://127.0.0.2:1', 'http://[::1]:1'])(
    'accepts the loopback address %s',
    async (url) => {
      // Nothing listens on port 1: every request fails fast, and is recorded as "no answer".
      const result = await runOpenLoad({ ...base, url, ratePerSecond: 50, durationMs: 100, timeoutMs: 1_000 });
      expect(result.sent).toBe(5);
      for (const r of result.records)
        expect(r).toMatchObject({ status: 0, servedBy: null, error: expect.stringMatching(/\S/) });
    },
  );

  it('never sends more than maxRequests, whatever rate x duration allows', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await runOpenLoad({
        ...base,
        url: `http://127.0.0.1:${port}`,
        ratePerSecond: 1_000,
        durationMs: 200,
        maxRequests: 7,
      });
      expect(result.plannedRequests).toBe(7);
      expect(result.records).toHaveLength(7);
    } finally {
      server.close();
    }
  });
});
