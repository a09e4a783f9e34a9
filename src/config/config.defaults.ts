/**
 * Defaults and the set of known keys (anything else in a file is warned about
 * and ignored); with env-overrides.ts, the README config table is this file.
 */
export const DEFAULT_MGMT_PORT = 1026;
export const DEFAULT_OBS_PORT = 1027;
/** Above the `dp` view of 2,048 simulated vLLM endpoints (1.1 M series, 169 MB). */
export const DEFAULT_MAX_SERIES_PER_VIEW = 2_000_000;

export function defaultConfig(podIp: string | undefined) {
  return {
    api_config: {
      coordinator_api_host: podIp && podIp.length > 0 ? podIp : '127.0.0.1',
      coordinator_api_mgmt_port: DEFAULT_MGMT_PORT,
      coordinator_obs_port: DEFAULT_OBS_PORT,
      mgmt_api_key: '',
      metrics_bearer_token: '',
      drain_delay_seconds: 3,
      http_headers_timeout_seconds: 10,
      http_request_timeout_seconds: 30,
      http_keep_alive_timeout_seconds: 65,
    },
    prometheus_metrics_config: {
      reuse_time: 3,
      scrape_timeout: 0,
      scrape_concurrency: 128,
      scrape_port: 'mgmt_port',
      stale_after: 0,
      max_page_bytes: 16 * 1024 * 1024,
      scrape_gzip: true,
      digest_in_worker: true,
      quantile_window: 60,
      max_series_per_page: 200_000,
      max_labels_per_series: 128,
      max_label_name_length: 1024,
      max_label_value_length: 4096,
      max_buckets_per_histogram: 1024,
      rank_labels: ['engine', 'dp_rank', 'tp_rank', 'pp_rank', 'pid'],
      scrape_allowed_cidrs: [] as string[],
      include_families: [] as string[],
      exclude_families: [] as string[],
      max_series_per_view: DEFAULT_MAX_SERIES_PER_VIEW,
    },
    refresh_limits_config: {
      max_json_depth: 32,
      max_instances: 4096,
      max_endpoints_per_instance: 1024,
      max_endpoints: 16384,
      max_string_length: 1024,
      max_upstream_keys: 1024,
      max_upstream_bytes: 16384,
      max_errors_listed: 20,
    },
    standby_config: {
      enable_master_standby: false,
    },
    etcd_config: {
      etcd_host: '127.0.0.1',
      etcd_port: 2379,
      endpoints: [] as string[],
      key_prefix: '/motor-coordinator/',
      lease_ttl_seconds: 5,
      timeout_ms: 3000,
      username: '',
      password: '',
      ca_file: '',
      cert_file: '',
      key_file: '',
    },
    mgmt_tls_config: {
      tls_enable: false,
      tls_cert: '',
      tls_key: '',
      ca_cert: '',
    },
    log_config: {
      log_level: 'log',
      log_format: 'text',
    },
  };
}

/** Keys whose values never appear in logs or error messages. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'mgmt_api_key',
  'metrics_bearer_token',
  'password',
]);
