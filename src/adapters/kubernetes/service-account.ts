import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

/**
 * Acting as a ServiceAccount, as a pod does: a short-lived token from the TokenRequest API
 * (what the kubelet mounts into a pod) and a kube config that uses it against the same
 * server and CA. Everything done through it is authorised by the server's RBAC for that
 * account, not by the administrator's rights.
 */
export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

export async function serviceAccountToken(
  admin: KubeConfig,
  account: ServiceAccountRef,
  expirationSeconds = 3600,
): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    name: account.name,
    namespace: account.namespace,
    body: { spec: { audiences: [], expirationSeconds } },
  });
  const token = request.status?.token;
  if (!token) throw new Error(`TokenRequest for ServiceAccount ${account.namespace}/${account.name} returned no token`);
  return token;
}

/** The administrator's cluster (server, CA) with the account's token as the only credential. */
export function kubeConfigWithToken(admin: KubeConfig, token: string, namespace: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the kube config has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'service-account', token }],
    contexts: [{ name: 'service-account', cluster: cluster.name, user: 'service-account', namespace }],
    currentContext: 'service-account',
  });
  return kc;
}

export async function serviceAccountKubeConfig(
  admin: KubeConfig,
  account: ServiceAccountRef,
  expirationSeconds = 3600,
): Promise<KubeConfig> {
  return kubeConfigWithToken(admin, await serviceAccountToken(admin, account, expirationSeconds), account.namespace);
}
