import { parseDuration } from '../../core/spec/kinds/common.ts';
import { DEFAULT_FEAST_VIEWS, feastSettingsOf } from '../../core/spec/kinds/stack-feature-store.ts';
import { documentsOfKind, type Spec } from '../../core/spec/parse.ts';
import { type GeneratedFile, type Generator, generatedHeader } from '../types.ts';
import { yamlText } from '../yaml-text.ts';
import { FEATURE_STORE_RUNBOOK, featureStoreAlertRules } from './rules.ts';
import { featureStoreAlertSuite } from './suite.ts';

/**
 * alerts/feature-store.rules.yml (+ promtool suite and runbook) for the Stack's Feast views
 * (spec.featureStore.feast.views, or the project's serving/feature_repo views).
 */
export const featureStoreAlertsGenerator: Generator = {
  name: 'feature-store-alerts',
  owns: [],
  generate: (spec: Spec): GeneratedFile[] => {
    const stack = documentsOfKind(spec, 'Stack')[0];
    const views = (stack?.spec.featureStore ? feastSettingsOf(stack.spec.featureStore).views : DEFAULT_FEAST_VIEWS).map(
      (v) => ({ name: v.name, ttl: v.ttl, ttlSeconds: parseDuration(v.ttl) }),
    );
    const source = 'kind Stack featureStore.feast.views';
    return [
      {
        path: 'alerts/feature-store.rules.yml',
        content: `${generatedHeader(source)}${yamlText(featureStoreAlertRules(views))}`,
      },
      {
        path: 'alerts/tests/feature-store.test.yml',
        content: `${generatedHeader(`${source}; promtool test rules`)}${yamlText(featureStoreAlertSuite(views))}`,
      },
      {
        path: 'alerts/FEATURE-STORE-RUNBOOK.md',
        content: `<!-- ${generatedHeader(source, '').trim()} -->\n${FEATURE_STORE_RUNBOOK}`,
      },
    ];
  },
};
