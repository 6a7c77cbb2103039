import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Supervised, spawnSupervised, waitReady } from './supervisor.ts';

/**
 * Debian's nginx as a plain keep-alive reverse proxy on a loopback port: the peer the
 * gateway's cost per request is measured against (issue 18: added latency over the
 * upstream, proxy CPU per request, throughput). It is a measuring stick, not part of the
 * serving path, so it runs attached to the calling process with a generated minimal config
 * in its own temp folder (prefix, pid, logs, temp paths): nothing of the system nginx
 * (/etc/nginx, /var/log/nginx, port 80) is read or written.
 */
export interface NginxProxyOptions {
  /** Loopback port nginx listens on. */
  port: number;
  /** Upstream origin, loopback: http://127.0.0.1:8000. */
  upstream: string;
  /** Idle keep-alive connections nginx keeps open to the upstream (default 64). */
  keepalive?: number;
  /**
   * Requests in progress at once; beyond it nginx answers 503 straight away (limit_conn, after
   * the headers, before the body): a fixed-cap door, what a user would put in front of a model
   * server instead of the gateway's adaptive one (the overload bench's peer). Default: no cap.
   */
  maxInflight?: number;
}

export interface NginxProxy {
  url: string;
  /** The one nginx process that serves (master_process off): the pid to read CPU time from. */
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

/**
 * The config: one process (master_process off, so the serving process is the one started and
 * its /proc/<pid>/stat CPU is all the proxy's work, as the gateway's single process is), no
 * access log (the gateway writes none on the healthy path either), HTTP/1.1 keep-alive to the
 * upstream (`Connection ""` so nginx does not send `close`), request and response buffered
 * in memory as the gateway does.
 */
export function nginxProxyConfig(options: NginxProxyOptions & { dir: string }): string {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname))
    throw new RangeError(`nginx proxy: upstream must be a loopback http:// origin, got ${options.upstream}`);
  if (!(Number.isInteger(options.port) && options.port > 0 && options.port < 65_536))
    throw new RangeError(`nginx proxy: port must be an integer in 1..65535, got ${options.port}`);
  const keepalive = options.keepalive ?? 64;
  const cap = options.maxInflight;
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 1))
    throw new RangeError(`nginx proxy: maxInflight must be an integer >= 1, got ${cap}`);
  // One zone keyed by the server's name (set below: an empty key is not counted at all), so
  // every request counts against the same cap. Refusals are logged at info, below the error
  // log's level: a log line per shed request would be disk I/O in the one place that must stay
  // cheap.
  const capZone =
    cap === undefined
      ? ''
      : `
  limit_conn_zone $server_name zone=inflight:1m;
  limit_conn_status 503;
  limit_conn_log_level info;`;
  const capRule = cap === undefined ? '' : `\n      limit_conn inflight ${cap};`;
  const host = upstream.hostname === 'localhost' ? '127.0.0.1' : upstream.hostname;
  const d = options.dir;
  return `daemon off;
master_process off;
worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${d}/client_body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;
  keepalive_requests 1000000;${capZone}
  upstream steadystate_upstream {
    server ${host}:${upstream.port || 80};
    keepalive ${keepalive};
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${options.port};
    server_name steadystate_proxy;
    client_body_buffer_size 64k;
    location / {${capRule}
      proxy_pass http://steadystate_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

export async function startNginxProxy(options: NginxProxyOptions): Promise<NginxProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'steadystate-nginx-'));
  const conf = join(dir, 'nginx.conf');
  let started: Supervised;
  try {
    writeFileSync(conf, nginxProxyConfig({ ...options, dir }));
    for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
    // -e: the error log before the config is read (else nginx opens /var/log/nginx/error.log first).
    started = await spawnSupervised({
      what: 'nginx',
      command: '/usr/sbin/nginx',
      args: ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')],
      output: 'pipe',
      missingHint: "install Debian's nginx-light (./scripts/setup.sh does)",
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitReady(started, {
      what: 'nginx',
      where: url,
      timeoutMs: 10_000,
      intervalMs: 50,
      // Any HTTP answer means nginx is listening (the upstream may answer 404 to GET /).
      probe: () => fetch(`${url}/`).then(() => true),
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    pid: started.pid,
    dir,
    stop: async () => {
      await started.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
