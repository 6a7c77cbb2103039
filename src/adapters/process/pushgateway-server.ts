import { type Daemon, startDaemon } from './daemon.ts';

/** The Debian `prometheus-pushgateway` binary on a free loopback port, persisting into its temp dir. */

export interface PushgatewayStartOptions {
  port?: number;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export function startPushgateway(options: PushgatewayStartOptions = {}): Promise<Daemon> {
  return startDaemon({
    name: 'pushgateway',
    binary: 'prometheus-pushgateway',
    port: options.port,
    readyTimeoutMs: options.readyTimeoutMs,
    readyPath: '/-/ready',
    args: (port, dir) => [
      `--web.listen-address=127.0.0.1:${port}`,
      `--persistence.file=${dir}/pushgateway.data`,
      ...(options.extraArgs ?? []),
    ],
  });
}
