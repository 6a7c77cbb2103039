import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * The test projects (docs/ARCHITECTURE.md, "Tests"). `npm test` runs them all; each has its
 * own script (test:unit, test:peers, test:cli, test:integration, test:e2e) and
 * `--project NAME` picks one.
 *
 * Vitest runs projects with the same `sequence.groupOrder` at the same time, lowest first (all
 * together when none is set). The parallel projects (unit, peers, cli) are group 0; then
 * integration, integration-triton and e2e run one after another (groups 1, 2, 3), each one file
 * at a time: they start real processes, some on fixed loopback ports, and timing-bound checks
 * (batching, deadlines, recovery times) must not share the two cores with another stack.
 */

/**
 * Files that check our results against a reference implementation run as another program:
 * scipy, gbstats and Evidently (.venv-peers), sklearn (the Triton venv), Python's XML parser,
 * Prometheus' histogram_quantile (promtool), Feast 0.67 (.venv-feast: get_online_features, get_historical_features).
 */
const PEERS = [
  'test/unit/core/stats/beta-binomial.test.ts',
  'test/unit/core/stats/guardrail.test.ts',
  'test/unit/core/stats/msprt.test.ts',
  'test/unit/core/stats/sample-size.test.ts',
  'test/unit/core/stats/special-functions.test.ts',
  'test/unit/core/stats/srm.test.ts',
  'test/unit/core/stats/statistics-at-the-edges.test.ts',
  'test/unit/core/load/payload-mix.test.ts',
  'test/unit/core/load/series.test.ts',
  'test/unit/core/abtest/assignment.test.ts',
  'test/unit/generators/report/junit.test.ts',
  'test/unit/chaos/histogram-quantile.test.ts',
  'test/integration/drift-peers.test.ts',
  'test/unit/core/labels/quality-sklearn.test.ts',
  'test/integration/feast-online-peers.test.ts',
  'test/integration/feast-point-in-time.test.ts',
  'test/integration/feast-training.test.ts',
  'test/integration/feature-store-schedule.test.ts',
];

/** The steadystate CLI run as a process (a second or more per case), and its golden files. */
const CLI = ['test/unit/cli/**/*.test.ts', 'test/golden/**/*.test.ts'];

/** Integration files that use only the Triton started once by test/setup/shared-triton.ts (never kill or unload it). */
const SHARED_TRITON = [
  'test/integration/abtest-gateway.test.ts',
  'test/integration/dashboards-live.test.ts',
  'test/integration/drift-gateway.test.ts',
  'test/integration/gateway-lifecycle.test.ts',
  'test/integration/gateway.test.ts',
  'test/integration/open-load.test.ts',
];

/** The whole stack, driven as a user would: the game day and its report in a browser. */
const END_TO_END = ['test/integration/gameday.test.ts', 'test/integration/report-browser.test.ts'];

const serial = (groupOrder: number) => ({
  fileParallelism: false,
  testTimeout: 60_000,
  hookTimeout: 180_000,
  sequence: { groupOrder },
});

/**
 * Workers for the parallel projects: every core. Vitest's default (cores - 1) is one worker
 * on a two-core machine, and the peers and cli files spend much of their time waiting on the
 * programs they run (Python, promtool, the CLI).
 */
const parallel = { fileParallelism: true, maxWorkers: Math.max(2, availableParallelism()) };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...PEERS, ...CLI],
          ...parallel,
          testTimeout: 60_000,
        },
      },
      {
        test: { name: 'peers', include: PEERS, ...parallel, testTimeout: 60_000, hookTimeout: 180_000 },
      },
      { test: { name: 'cli', include: CLI, ...parallel, testTimeout: 60_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...PEERS, ...SHARED_TRITON, ...END_TO_END],
          ...serial(1),
        },
      },
      {
        test: {
          name: 'integration-triton',
          include: SHARED_TRITON,
          globalSetup: ['test/setup/shared-triton.ts'],
          ...serial(2),
        },
      },
      { test: { name: 'e2e', include: END_TO_END, ...serial(3) } },
    ],
  },
});
