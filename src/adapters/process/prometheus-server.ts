import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { type PrometheusConfigOptions, prometheusConfig } from '../prometheus/config.ts';
import { type Daemon, startDaemon } from './daemon.ts';

/** The Debian `prometheus` binary (2.42) on a free loopback port, with its own TSDB in a temp dir. */

export interface PrometheusStartOptions extends Omit<PrometheusConfigOptions, 'ruleFiles'> {
  /** Rule files to load: copied into the instance's rules/ folder. */
  ruleFiles?: string[];
  /** A complete prometheus.yml instead of the generated one (ruleFiles still copied to rules/). */
  configYaml?: string;
  port?: number;
  retention?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export interface PrometheusServer extends Daemon {
  /** Re-reads config and rules (POST /-/reload; the instance runs with --web.enable-lifecycle). */
  reload(): Promise<void>;
}

export async function startPrometheus(options: PrometheusStartOptions = {}): Promise<PrometheusServer> {
  const files: Record<string, string> = {};
  const ruleNames = (options.ruleFiles ?? []).map((file, i) => {
    const name = `rules/${String(i).padStart(2, '0')}-${basename(file)}`;
    files[name] = readFileSync(file, 'utf8');
    return name;
  });
  files['prometheus.yml'] =
    options.configYaml ?? stringify(prometheusConfig({ ...options, ruleFiles: ruleNames }), { lineWidth: 0 });
  const daemon = await startDaemon({
    name: 'prometheus',
    binary: 'prometheus',
    files,
    port: options.port,
    readyTimeoutMs: options.readyTimeoutMs,
    readyPath: '/-/ready',
    args: (port, dir) => [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--storage.tsdb.retention.time=${options.retention ?? '1d'}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      ...(options.extraArgs ?? []),
    ],
  });
  return {
    ...daemon,
    reload: async () => {
      const res = await fetch(`${daemon.url}/-/reload`, { method: 'POST' });
      if (!res.ok) throw new Error(`prometheus reload failed: HTTP ${res.status} ${await res.text()}`);
    },
  };
}
