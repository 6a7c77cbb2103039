/**
 * A minimal prometheus.yml (https://prometheus.io/docs/prometheus/latest/configuration/configuration/)
 * for local instances: scrape jobs, rule files, Alertmanagers.
 */

export interface ScrapeJob {
  job: string;
  /** host:port pairs. */
  targets: string[];
  metricsPath?: string;
  scrapeInterval?: string;
  /** Target labels, e.g. the namespace Kubernetes service discovery would add. */
  labels?: Record<string, string>;
  /** Keep the scraped job/instance labels: a Pushgateway's pushed series name their pusher. */
  honorLabels?: boolean;
}

export interface PrometheusConfigOptions {
  scrapeInterval?: string;
  evaluationInterval?: string;
  jobs?: ScrapeJob[];
  /** Paths (globs allowed) relative to the config file's folder. */
  ruleFiles?: string[];
  /** Alertmanager host:port pairs. */
  alertmanagers?: string[];
}

export function prometheusConfig(options: PrometheusConfigOptions): Record<string, unknown> {
  return {
    global: {
      scrape_interval: options.scrapeInterval ?? '15s',
      evaluation_interval: options.evaluationInterval ?? '15s',
    },
    ...(options.ruleFiles?.length ? { rule_files: options.ruleFiles } : {}),
    ...(options.alertmanagers?.length
      ? { alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] } }
      : {}),
    scrape_configs: (options.jobs ?? []).map((j) => ({
      job_name: j.job,
      ...(j.metricsPath ? { metrics_path: j.metricsPath } : {}),
      ...(j.scrapeInterval ? { scrape_interval: j.scrapeInterval } : {}),
      ...(j.honorLabels ? { honor_labels: true } : {}),
      static_configs: [{ targets: j.targets, ...(j.labels ? { labels: j.labels } : {}) }],
    })),
  };
}
