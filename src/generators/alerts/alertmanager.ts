import type { AlertPolicySpec } from '../../core/spec/kinds/alert-policy.ts';

/**
 * Alertmanager routing (https://prometheus.io/docs/alerting/latest/configuration/): pages
 * and tickets to separate receivers, alerts grouped per SLO and model, and a page
 * inhibiting the ticket of the same SLO and model (one incident, one notification;
 * pyrra#1883). Only SLO alerts take part in the inhibition: a GPU-memory ticket must not
 * disappear because some unrelated page of the same model fires.
 */

export const RECEIVERS = { page: 'page', ticket: 'ticket' } as const;

const DEFAULT_TIMING = {
  page: { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' },
  ticket: { groupWait: '5m', groupInterval: '30m', repeatInterval: '24h' },
} as const;

export interface AlertmanagerConfig {
  route: Record<string, unknown>;
  inhibit_rules: Record<string, unknown>[];
  receivers: Record<string, unknown>[];
}

export function alertmanagerConfig(policy: AlertPolicySpec): AlertmanagerConfig {
  const timing = (which: 'page' | 'ticket') => ({
    group_wait: policy.receivers[which].groupWait ?? DEFAULT_TIMING[which].groupWait,
    group_interval: DEFAULT_TIMING[which].groupInterval,
    repeat_interval: policy.receivers[which].repeatInterval ?? DEFAULT_TIMING[which].repeatInterval,
  });
  return {
    route: {
      receiver: RECEIVERS.ticket,
      group_by: ['alertname', 'slo', 'model'],
      ...timing('ticket'),
      routes: [
        { receiver: RECEIVERS.page, matchers: ['severity="page"'], ...timing('page') },
        { receiver: RECEIVERS.ticket, matchers: ['severity="ticket"'], ...timing('ticket') },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity="page"', 'slo=~".+"'],
        target_matchers: ['severity="ticket"', 'slo=~".+"'],
        equal: ['slo', 'model'],
      },
    ],
    receivers: (['page', 'ticket'] as const).map((which) => ({
      name: RECEIVERS[which],
      webhook_configs: [{ url: policy.receivers[which].webhookUrl, send_resolved: true }],
    })),
  };
}
