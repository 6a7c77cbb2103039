/**
 * Which registry webhook deliveries start a deploy, pure. MLflow 3 sends
 * `{ entity, action, timestamp, data }`; moving an alias delivers
 * entity "model_version_alias", action "created", data { name, alias, version } again.
 * Only the trigger alias of the deploy's registered model starts one: the deploy itself
 * moves `champion` and `previous-champion`, and those deliveries must not start another.
 */

export interface WebhookDecision {
  deploy: { name: string; version: string } | undefined;
  reason: string;
}

export function deployFromWebhook(body: unknown, registeredModel: string, triggerAlias: string): WebhookDecision {
  const b = body as {
    entity?: unknown;
    action?: unknown;
    data?: { name?: unknown; alias?: unknown; version?: unknown };
  };
  if (b?.entity !== 'model_version_alias' || b.action !== 'created') {
    return {
      deploy: undefined,
      reason: `ignored: event ${String(b?.entity)}.${String(b?.action)} is not an alias move`,
    };
  }
  const { name, alias, version } = b.data ?? {};
  if (name !== registeredModel)
    return { deploy: undefined, reason: `ignored: model ${String(name)} is not ${registeredModel}` };
  if (alias !== triggerAlias) {
    return { deploy: undefined, reason: `ignored: alias ${String(alias)} is not the trigger alias ${triggerAlias}` };
  }
  if (typeof version !== 'string' || !/^\d+$/.test(version)) {
    return { deploy: undefined, reason: `ignored: version ${JSON.stringify(version)} is not a version number` };
  }
  return { deploy: { name, version }, reason: `alias ${alias} moved to version ${version}: deploying it` };
}
