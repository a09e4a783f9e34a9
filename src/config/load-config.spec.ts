import {
  fails,
  file,
  load,
  missingFile,
} from '../../test/support/config-files.js';
import { scrapeTiming } from './load-config.js';

describe('loadConfig', () => {
  it('starts with no config at all', () => {
    const { config, source, warnings } = load();
    expect(source).toBeNull();
    expect(warnings).toEqual([]);
    expect(config.api_config).toMatchObject({
      coordinator_api_host: '127.0.0.1',
      coordinator_api_mgmt_port: 1026,
      coordinator_obs_port: 1027,
    });
    expect(config.prometheus_metrics_config.reuse_time).toBe(3);
    expect(config.standby_config.enable_master_standby).toBe(false);
    expect(Object.isFrozen(config.api_config)).toBe(true);
  });

  it('reads a deployer user_config.json section and warns about unknown keys', () => {
    const path = file('user_config.json', {
      motor_controller_config: { whatever: 1 },
      motor_coordinator_config: {
        api_config: {
          coordinator_api_mgmt_port: '2026',
          other_component_key: true,
        },
        prometheus_metrics_config: { reuse_time: 0.5 },
        extra_section: {},
      },
    });
    const { config, source, warnings } = load(['--config', path]);
    expect(source).toBe(path);
    expect(config.api_config.coordinator_api_mgmt_port).toBe(2026);
    expect(config.prometheus_metrics_config.reuse_time).toBe(0.5);
    expect(warnings).toEqual([
      'unknown configuration key api_config.other_component_key ignored',
      'unknown configuration key extra_section ignored',
    ]);
  });

  it('reads the bare section too', () => {
    const path = file('section.json', {
      api_config: { coordinator_obs_port: 3027 },
    });
    expect(
      load([`--config=${path}`]).config.api_config.coordinator_obs_port,
    ).toBe(3027);
  });

  it('defaults < file < env; --config wins over MOTOR_COORDINATOR_CONFIG', () => {
    const a = file('a.json', {
      api_config: {
        coordinator_api_mgmt_port: 1111,
        coordinator_obs_port: 1112,
      },
    });
    const b = file('b.json', {
      api_config: { coordinator_api_mgmt_port: 2222 },
    });
    expect(
      load([], { MOTOR_COORDINATOR_CONFIG: a }).config.api_config
        .coordinator_api_mgmt_port,
    ).toBe(1111);
    expect(
      load(['--config', b], { MOTOR_COORDINATOR_CONFIG: a }).config.api_config
        .coordinator_api_mgmt_port,
    ).toBe(2222);
    const env = load(['--config', a], { COORDINATOR_API_MGMT_PORT: '3333' })
      .config.api_config;
    expect(env.coordinator_api_mgmt_port).toBe(3333);
    expect(env.coordinator_obs_port).toBe(1112);
  });

  it('uses POD_IP only as the fallback host', () => {
    expect(
      load([], { POD_IP: '127.0.0.9' }).config.api_config.coordinator_api_host,
    ).toBe('127.0.0.9');
    const f = file('host.json', {
      api_config: { coordinator_api_host: '127.0.0.5' },
    });
    expect(
      load(['--config', f], { POD_IP: '127.0.0.9' }).config.api_config
        .coordinator_api_host,
    ).toBe('127.0.0.5');
    expect(
      load([], { POD_IP: '127.0.0.9', COORDINATOR_API_HOST: '127.0.0.7' })
        .config.api_config.coordinator_api_host,
    ).toBe('127.0.0.7');
  });

  it.each([
    [
      { api_config: { coordinator_api_mgmt_port: 70000 } },
      'api_config.coordinator_api_mgmt_port = 70000: must be an integer in 0..65535',
    ],
    [
      { prometheus_metrics_config: { reuse_time: 'fast' } },
      'prometheus_metrics_config.reuse_time = "fast": must be a number of seconds in 0.2..3600',
    ],
    [
      { prometheus_metrics_config: { reuse_time: 0.1 } },
      'prometheus_metrics_config.reuse_time = 0.1',
    ],
    [
      { prometheus_metrics_config: { scrape_timeout: 5 } },
      'scrape_timeout = 5: must be below reuse_time (3)',
    ],
    [
      { prometheus_metrics_config: { scrape_port: 'admin_port' } },
      'must be one of mgmt_port, business_port',
    ],
    [
      { mgmt_tls_config: { tls_enable: true } },
      'mgmt_tls_config.tls_cert = "": a file path is required when mgmt_tls_config.tls_enable is true',
    ],
    [
      {
        mgmt_tls_config: {
          tls_enable: true,
          tls_cert: '/nonexistent/cert.pem',
          tls_key: '/nonexistent/key.pem',
        },
      },
      'mgmt_tls_config.tls_cert = "/nonexistent/cert.pem": file does not exist',
    ],
    [
      { standby_config: { enable_master_standby: 'maybe' } },
      'standby_config.enable_master_standby = "maybe": must be true or false',
    ],
    [
      {
        api_config: {
          coordinator_api_mgmt_port: 1500,
          coordinator_obs_port: 1500,
        },
      },
      'must differ from api_config.coordinator_api_mgmt_port',
    ],
    [
      { log_config: { log_level: 'loud' } },
      'log_config.log_level = "loud": must be one of error, warn, log, debug, verbose',
    ],
    [
      { etcd_config: { endpoints: ['127.0.0.1:2379'] } },
      'each endpoint must look like http://host:port',
    ],
    [{ api_config: [] }, 'api_config = []: must be an object'],
    [
      { etcd_config: { cert_file: '/nonexistent/c.pem' } },
      'etcd_config.key_file = "": etcd_config.cert_file and etcd_config.key_file go together',
    ],
    [
      { etcd_config: { ca_file: '/nonexistent/ca.pem' } },
      'etcd_config.ca_file = "/nonexistent/ca.pem": file does not exist',
    ],
  ])(
    'refuses %j with one line naming key, value and what is allowed',
    (content, expected) => {
      const path = file('bad.json', content);
      expect(fails(['--config', path])).toContain(expected);
    },
  );

  it('names the env var a bad value came from and never prints secrets', () => {
    expect(fails([], { COORDINATOR_OBS_PORT: 'abc' })).toContain(
      'api_config.coordinator_obs_port = "abc" (from COORDINATOR_OBS_PORT)',
    );
    const secret = file('secret.json', { api_config: { mgmt_api_key: 12345 } });
    const message = fails(['--config', secret]);
    expect(message).toContain('api_config.mgmt_api_key = <redacted>');
    expect(message).not.toContain('12345');
  });

  it('refuses unreadable or malformed files', () => {
    expect(fails(['--config', missingFile('missing.json')])).toContain(
      'cannot be read',
    );
    expect(
      fails(['--config', file('broken.json', '{"api_config":')]),
    ).toContain('is not valid JSON');
    expect(fails(['--config', file('array.json', '[]')])).toContain(
      'must hold a JSON object',
    );
    expect(fails(['--config'])).toContain('--config needs a file path');
  });

  it('server timeouts, refresh limits and scrape_allowed_cidrs: defaults, env, checks', () => {
    const { config } = load();
    expect(config.api_config).toMatchObject({
      http_headers_timeout_seconds: 10,
      http_request_timeout_seconds: 30,
      http_keep_alive_timeout_seconds: 65,
    });
    expect(config.prometheus_metrics_config.scrape_allowed_cidrs).toEqual([]);
    expect(config.refresh_limits_config).toEqual({
      max_json_depth: 32,
      max_instances: 4096,
      max_endpoints_per_instance: 1024,
      max_endpoints: 16384,
      max_string_length: 1024,
      max_upstream_keys: 1024,
      max_upstream_bytes: 16384,
      max_errors_listed: 20,
    });
    const env = load([], {
      COORDINATOR_SCRAPE_ALLOWED_CIDRS: '10.0.0.0/8, fd00::/8',
      COORDINATOR_REFRESH_MAX_INSTANCES: '10',
      COORDINATOR_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS: '120',
    }).config;
    expect(env.prometheus_metrics_config.scrape_allowed_cidrs).toEqual([
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    expect(env.refresh_limits_config.max_instances).toBe(10);
    expect(env.api_config.http_keep_alive_timeout_seconds).toBe(120);
    expect(fails([], { COORDINATOR_SCRAPE_ALLOWED_CIDRS: '10.0.0.0' })).toBe(
      'invalid configuration: prometheus_metrics_config.scrape_allowed_cidrs = "10.0.0.0": each entry must be a CIDR such as 10.0.0.0/8 or fd00::/8',
    );
    expect(
      fails([], {
        COORDINATOR_HTTP_HEADERS_TIMEOUT_SECONDS: '40',
        COORDINATOR_HTTP_REQUEST_TIMEOUT_SECONDS: '30',
      }),
    ).toBe(
      'invalid configuration: api_config.http_headers_timeout_seconds = 40: must not exceed api_config.http_request_timeout_seconds (30)',
    );
    expect(fails([], { COORDINATOR_REFRESH_MAX_JSON_DEPTH: '4' })).toBe(
      'invalid configuration: refresh_limits_config.max_json_depth = 4 (from COORDINATOR_REFRESH_MAX_JSON_DEPTH): must be an integer in 8..1000',
    );
  });

  it('derives timeout and staleness from reuse_time', () => {
    expect(scrapeTiming(load().config)).toEqual({
      intervalMs: 3000,
      timeoutMs: 2400,
      staleAfterMs: 15000,
    });
    const c = load([], {
      COORDINATOR_REUSE_TIME: '0.2',
      COORDINATOR_SCRAPE_TIMEOUT: '0.15',
      COORDINATOR_STALE_AFTER: '2',
    }).config;
    expect(scrapeTiming(c)).toEqual({
      intervalMs: 200,
      timeoutMs: 150,
      staleAfterMs: 2000,
    });
  });
});
