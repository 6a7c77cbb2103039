import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTER_BINARIES, clusterBinaries } from '../../../src/adapters/process/cluster/binaries.ts';

describe('the control-plane binaries', () => {
  it('names every missing one and the command that builds them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-bin-'));
    writeFileSync(join(dir, 'etcd'), '#!/bin/sh\n');
    chmodSync(join(dir, 'etcd'), 0o755);
    expect(() => clusterBinaries(dir)).toThrow(
      /needs kube-apiserver, kube-controller-manager, kube-scheduler, kwok in .*; build them once with `scripts\/tools\/build-kubernetes\.sh`/,
    );
  });
  it('finds them all when built', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-bin-'));
    for (const name of CLUSTER_BINARIES) {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), 0o755);
    }
    expect(Object.keys(clusterBinaries(dir)).sort()).toEqual([...CLUSTER_BINARIES].sort());
  });
});
