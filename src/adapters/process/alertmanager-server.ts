import { stringify } from 'yaml';
import { type Daemon, startDaemon } from './daemon.ts';

/**
 * The Debian `prometheus-alertmanager` binary (0.25) on a free loopback port. Clustering is
 * off (--cluster.listen-address=): the default gossip port 9094 would collide between
 * instances and is not needed for one local Alertmanager.
 */

export interface AlertmanagerStartOptions {
  /** alertmanager.yml as text or as an object. */
  config: string | Record<string, unknown>;
  port?: number;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export function startAlertmanager(options: AlertmanagerStartOptions): Promise<Daemon> {
  const config = typeof options.config === 'string' ? options.config : stringify(options.config, { lineWidth: 0 });
  return startDaemon({
    name: 'alertmanager',
    binary: 'prometheus-alertmanager',
    files: { 'alertmanager.yml': config },
    port: options.port,
    readyTimeoutMs: options.readyTimeoutMs,
    readyPath: '/-/ready',
    args: (port, dir) => [
      `--config.file=${dir}/alertmanager.yml`,
      `--storage.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      ...(options.extraArgs ?? []),
    ],
  });
}
