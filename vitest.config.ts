import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start real Triton / Redis / Prometheus processes on fixed
    // loopback ports; running files in parallel would fight over those ports and
    // the two cores of our machines.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
