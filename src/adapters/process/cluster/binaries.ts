import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../paths.ts';

/**
 * Where the control-plane binaries live: scripts/tools/build-kubernetes.sh builds them from
 * the Go module proxy into .tools/kubernetes-<version>/ (too large to commit, so once per
 * machine, by version). The version here and the script's default must agree.
 */
export const KUBERNETES_VERSION = 'v1.37.2';

export const CLUSTER_BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;
export type ClusterBinary = (typeof CLUSTER_BINARIES)[number];

export class ClusterBinaryMissing extends Error {
  override readonly name = 'ClusterBinaryMissing';
}

export function clusterToolsDir(root = paths.root()): string {
  return join(root, '.tools', `kubernetes-${KUBERNETES_VERSION}`);
}

/** The absolute path of every binary; throws naming the missing ones and the command that builds them. */
export function clusterBinaries(dir = clusterToolsDir()): Record<ClusterBinary, string> {
  const found = {} as Record<ClusterBinary, string>;
  const missing: string[] = [];
  for (const name of CLUSTER_BINARIES) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      found[name] = file;
    } catch {
      missing.push(name);
    }
  }
  if (missing.length > 0) {
    throw new ClusterBinaryMissing(
      `the local Kubernetes control plane needs ${missing.join(', ')} in ${dir}; build them once with ` +
        '`scripts/tools/build-kubernetes.sh` (or `./scripts/setup.sh`, which runs it; about 6-7 minutes cold)',
    );
  }
  return found;
}
