import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * Credentials of the local control plane, all made here with node:crypto:
 * - the service-account signing key pair (the API server signs ServiceAccount tokens with
 *   it, TokenRequest included; the controller-manager's token controller too);
 * - one bearer token per component in the API server's static token file, each a user the
 *   default RBAC policy knows (system:kube-controller-manager, system:kube-scheduler) or an
 *   administrator (system:masters: the CLI, and kwok, which writes node and pod status);
 * - one kubeconfig per component, trusting the serving certificate the API server
 *   generated for itself in its cert dir.
 */
export interface ComponentToken {
  user: string;
  groups: string[];
  token: string;
}

export type ComponentName = 'admin' | 'controller-manager' | 'scheduler' | 'kwok';

export function componentTokens(): Record<ComponentName, ComponentToken> {
  const token = () => randomBytes(24).toString('hex');
  return {
    admin: { user: 'steadystate-admin', groups: ['system:masters'], token: token() },
    'controller-manager': { user: 'system:kube-controller-manager', groups: [], token: token() },
    scheduler: { user: 'system:kube-scheduler', groups: [], token: token() },
    kwok: { user: 'kwok', groups: ['system:masters'], token: token() },
  };
}

/** --token-auth-file: `token,user,uid,"group1,group2"` per line. */
export function tokenAuthFile(tokens: Record<string, ComponentToken>): string {
  return `${Object.values(tokens)
    .map((t) => [t.token, t.user, t.user, ...(t.groups.length > 0 ? [`"${t.groups.join(',')}"`] : [])].join(','))
    .join('\n')}\n`;
}

export function writeServiceAccountKeys(dir: string): { privateKey: string; publicKey: string } {
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKey = join(dir, 'sa.key');
  const publicKey = join(dir, 'sa.pub');
  writeFileSync(privateKey, pair.privateKey, { mode: 0o600 });
  writeFileSync(publicKey, pair.publicKey);
  return { privateKey, publicKey };
}

/** A kubeconfig with one cluster, one user (a bearer token) and one context, all named `steadystate`. */
export function kubeconfigText(server: string, caPem: string, token: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'steadystate',
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: 'steadystate', user: { token } }],
    contexts: [{ name: 'steadystate', context: { cluster: 'steadystate', user: 'steadystate', namespace } }],
    'current-context': 'steadystate',
  });
}
