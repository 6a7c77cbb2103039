import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inClusterServices, mapServiceUrls, serviceAddresses } from '../../../src/core/cluster/service-addresses.ts';
import { chaosTargetOf } from '../../../src/core/spec/kinds/chaos-target.ts';
import { parseSpec, stackOf } from '../../../src/core/spec/parse.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const specText = readFileSync(join(root, 'steadystate.yaml'), 'utf8');
const spec = parseSpec(specText);
const services = inClusterServices(stackOf(spec), chaosTargetOf(spec));
const local = {
  gateway: 'http://127.0.0.1:41001',
  prometheus: 'http://127.0.0.1:41002/',
  pushgateway: 'http://127.0.0.1:41003',
};

describe('in-cluster Services mapped to their local stand-ins', () => {
  it("reads the spec's in-cluster URLs (the ChaosTarget's, the Stack's gateway Service)", () => {
    expect(services).toEqual({
      gateway: 'http://fraud-serving-gateway.steadystate.svc:8080',
      prometheus: 'http://prometheus-operated.monitoring.svc:9090',
      pushgateway: 'http://prometheus-pushgateway.monitoring.svc:9091',
    });
  });

  it('maps every in-cluster URL the CronJobs and the spec name; nothing of the cluster DNS is left', () => {
    const map = serviceAddresses(services, local);
    const cronjobs = readFileSync(join(root, 'chaos', 'k8s', 'cronjobs.yaml'), 'utf8');
    for (const text of [specText, cronjobs]) {
      const mapped = mapServiceUrls(text, map);
      expect(mapped).not.toMatch(/https?:\/\/[\w.-]+\.svc(:\d+)?/);
    }
    expect(mapServiceUrls(cronjobs, map)).toContain('- http://127.0.0.1:41003\n');
    expect(mapServiceUrls(specText, map)).toContain('prometheusUrl: http://127.0.0.1:41002\n');
  });

  it('replaces whole base URLs only, keeping paths', () => {
    const map = { 'http://prometheus-operated.monitoring.svc:9090': 'http://127.0.0.1:5' };
    expect(mapServiceUrls('http://prometheus-operated.monitoring.svc:9090/api/v1/query', map)).toBe(
      'http://127.0.0.1:5/api/v1/query',
    );
    expect(mapServiceUrls('"http://prometheus-operated.monitoring.svc:9090"', map)).toBe('"http://127.0.0.1:5"');
    for (const other of [
      'http://prometheus-operated.monitoring.svc:90901',
      'http://prometheus-operated.monitoring.svc:9090.example.com',
    ]) {
      expect(mapServiceUrls(other, map)).toBe(other);
    }
  });

  it('refuses a missing or non-loopback stand-in, naming the role and the fix', () => {
    expect(() => serviceAddresses(services, { ...local, prometheus: undefined })).toThrow(
      /no local address for the in-cluster prometheus \(http:\/\/prometheus-operated\.monitoring\.svc:9090\)/,
    );
    expect(() => serviceAddresses(services, { ...local, gateway: 'http://10.0.0.7:8080' })).toThrow(
      /local gateway must be a loopback base URL.*10\.0\.0\.7/,
    );
  });
});
