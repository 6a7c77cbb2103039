import { describe, expect, it } from 'vitest';
import { freePort, isPortFree } from '../../../../src/adapters/process/ports.ts';

describe('freePort', () => {
  it('never hands out the same port twice in a row (Triton once got equal HTTP and gRPC ports)', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    expect(await isPortFree(ports[0] as number)).toBe(true);
  });
});
