import type { ChaosTargetSpec } from '../spec/kinds/chaos-target.ts';
import type { StackDocument } from '../spec/kinds/stack.ts';

/**
 * The in-cluster Services a scheduled chaos run talks to, and where they run on this machine.
 * In a cluster the run reaches them by Service DNS names (`http://NAME.NS.svc:PORT`); the local
 * bridge has no cluster DNS or kube-proxy, so it maps each of these base URLs to the loopback
 * URL of the process that plays the Service. The mapping is explicit (one row per role, all
 * rows required) so a new in-cluster dependency cannot silently fall through to a DNS error.
 */
export const SERVICE_ROLES = ['gateway', 'prometheus', 'pushgateway'] as const;
export type ServiceRole = (typeof SERVICE_ROLES)[number];
export type InClusterServices = Record<ServiceRole, string>;

/** In-cluster base URL -> local base URL. */
export type ServiceAddresses = Record<string, string>;

/** The in-cluster URLs as the spec names them (the ChaosTarget's, else the Stack's gateway Service). */
export function inClusterServices(stack: StackDocument, target: ChaosTargetSpec): InClusterServices {
  const k = target.cluster;
  return {
    gateway:
      k.gatewayUrl ??
      `http://${stack.metadata.name}-gateway.${stack.spec.kubernetes.namespace}.svc:${stack.spec.gateway.port}`,
    prometheus: k.prometheusUrl,
    pushgateway: k.pushgatewayUrl,
  };
}

const baseUrl = (url: string) => url.replace(/\/+$/, '');

/** Pairs each in-cluster Service with its local stand-in; every role must have one. */
export function serviceAddresses(
  inCluster: InClusterServices,
  local: Partial<Record<ServiceRole, string>>,
): ServiceAddresses {
  const out: ServiceAddresses = {};
  for (const role of SERVICE_ROLES) {
    const to = local[role];
    if (!to) {
      throw new Error(
        `no local address for the in-cluster ${role} (${inCluster[role]}); pass the URL of the process that serves it as ${role}`,
      );
    }
    if (!/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/?$/.test(to)) {
      throw new Error(`the local ${role} must be a loopback base URL like http://127.0.0.1:9090, got "${to}"`);
    }
    out[baseUrl(inCluster[role])] = baseUrl(to);
  }
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every occurrence of a mapped base URL replaced by its local one. A match must end where the
 * URL's authority ends (`/`, a quote, whitespace, end of text), so `...svc:9090` never
 * rewrites `...svc:90901` or `...svc.example.com`.
 */
export function mapServiceUrls(text: string, addresses: ServiceAddresses): string {
  let out = text;
  for (const [from, to] of Object.entries(addresses)) {
    out = out.replace(new RegExp(`${escapeRegExp(baseUrl(from))}(?![\\w.:-])`, 'g'), to);
  }
  return out;
}
