// Interim, hand-written: the generated `loadtests/thresholds.ts` (`npm run gen`, from the SLO
// documents of steadystate.yaml) replaces this file. Until then the numbers are the playbook's
// real-time SLOs: p99 < 100 ms and availability 99.95% (at most 0.05% failed requests).
import type { Options } from 'k6/options';

/** k6 `thresholds` from the SLOs: `export const options = { thresholds };` */
export const thresholds: NonNullable<Options['thresholds']> = {
  http_req_failed: ['rate<0.0005'],
  http_req_duration: ['p(99)<100'],
};

/** Where each threshold comes from. */
export const sloThresholds: { slo: string; metric: string; threshold: string; why: string }[] = [
  {
    slo: 'fraud-availability',
    metric: 'http_req_failed',
    threshold: 'rate<0.0005',
    why: 'playbook: 99.95% of predictions answered (successful + cached)',
  },
  {
    slo: 'fraud-latency',
    metric: 'http_req_duration',
    threshold: 'p(99)<100',
    why: 'playbook: p99 < 100 ms for real-time models',
  },
];
