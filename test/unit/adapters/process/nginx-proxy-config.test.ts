import { describe, expect, it } from 'vitest';
import { nginxProxyConfig } from '../../../../src/adapters/process/nginx-proxy.ts';

describe('nginxProxyConfig', () => {
  const config = nginxProxyConfig({ port: 18080, upstream: 'http://127.0.0.1:8000', dir: '/tmp/x' });

  it('serves from one foreground process, on loopback, with everything in its own folder', () => {
    expect(config).toContain('daemon off;');
    expect(config).toContain('master_process off;');
    expect(config).toContain('listen 127.0.0.1:18080;');
    expect(config).toContain('pid /tmp/x/nginx.pid;');
    expect(config).toContain('proxy_temp_path /tmp/x/proxy;');
    expect(config).not.toMatch(/\/var\/|\/etc\/nginx/);
  });

  it('proxies to the upstream over HTTP/1.1 keep-alive', () => {
    expect(config).toContain('server 127.0.0.1:8000;');
    expect(config).toContain('keepalive 64;');
    expect(config).toContain('proxy_http_version 1.1;');
    expect(config).toContain('proxy_set_header Connection "";');
  });

  it('refuses a non-loopback upstream or a bad port, naming the value', () => {
    expect(() => nginxProxyConfig({ port: 18080, upstream: 'http://10.0.0.1:8000', dir: '/tmp/x' })).toThrow(
      /loopback.*10\.0\.0\.1/,
    );
    expect(() => nginxProxyConfig({ port: 0, upstream: 'http://127.0.0.1:8000', dir: '/tmp/x' })).toThrow(/port.*0/);
  });

  it('caps the requests in progress only when asked, answering 503 beyond the cap without logging each one', () => {
    expect(config).not.toContain('limit_conn');
    const capped = nginxProxyConfig({ port: 18080, upstream: 'http://127.0.0.1:8000', dir: '/tmp/x', maxInflight: 32 });
    expect(capped).toContain('limit_conn_zone $server_name zone=inflight:1m;');
    expect(capped).toContain('server_name steadystate_proxy;'); // an empty key would count nothing
    expect(capped).toContain('limit_conn_status 503;');
    expect(capped).toContain('limit_conn_log_level info;');
    expect(capped).toMatch(/location \/ \{\s+limit_conn inflight 32;/);
    expect(capped).toContain('error_log /tmp/x/error.log warn;');
    expect(() =>
      nginxProxyConfig({ port: 18080, upstream: 'http://127.0.0.1:8000', dir: '/tmp/x', maxInflight: 0 }),
    ).toThrow(/maxInflight.*0/);
  });
});
