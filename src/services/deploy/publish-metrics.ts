import { deployMetricsText } from '../../core/deploy/speed-slo.ts';
import type { DeploymentSpec } from '../../core/spec/kinds/deployment.ts';
import type { JournalStore } from './journal-store.ts';

export const DEPLOY_JOB = 'steadystate-deploy';

/**
 * Pushes the deploy-speed histogram (rebuilt from every journal, so a push replaces the
 * group with the whole history and a lost push loses nothing) to the Pushgateway, group
 * `job="steadystate-deploy", model=<registered model>`.
 */
export async function publishDeployMetrics(
  pushgatewayUrl: string,
  spec: DeploymentSpec,
  journals: JournalStore,
): Promise<void> {
  const model = spec.registry.name;
  const target = `${pushgatewayUrl.replace(/\/+$/, '')}/metrics/job/${DEPLOY_JOB}/model/${encodeURIComponent(model)}`;
  const res = await fetch(target, {
    method: 'PUT',
    headers: { 'content-type': 'text/plain; version=0.0.4' },
    body: deployMetricsText(journals.all(), model, spec.slo),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`Pushgateway ${target}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
}
