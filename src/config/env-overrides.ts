/**
 * The environment variables that override file values, one entry per
 * variable: a declarative table (documented in `.env.example`), long because
 * every setting has its variable.
 */

export type EnvKind = 'string' | 'int' | 'number' | 'bool' | 'list';

export interface EnvOverride {
  readonly env: string;
  readonly section: string;
  readonly key: string;
  readonly kind: EnvKind;
}

/** Environment variables that override file values (documented in `.env.example`). */
export const ENV_OVERRIDES: readonly EnvOverride[] = [
  {
    env: 'COORDINATOR_API_HOST',
    section: 'api_config',
    key: 'coordinator_api_host',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_API_MGMT_PORT',
    section: 'api_config',
    key: 'coordinator_api_mgmt_port',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_OBS_PORT',
    section: 'api_config',
    key: 'coordinator_obs_port',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_MGMT_API_KEY',
    section: 'api_config',
    key: 'mgmt_api_key',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_METRICS_BEARER_TOKEN',
    section: 'api_config',
    key: 'metrics_bearer_token',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_DRAIN_DELAY_SECONDS',
    section: 'api_config',
    key: 'drain_delay_seconds',
    kind: 'number',
  },
  {
    env: 'COORDINATOR_REUSE_TIME',
    section: 'prometheus_metrics_config',
    key: 'reuse_time',
    kind: 'number',
  },
  {
    env: 'COORDINATOR_SCRAPE_TIMEOUT',
    section: 'prometheus_metrics_config',
    key: 'scrape_timeout',
    kind: 'number',
  },
  {
    env: 'COORDINATOR_SCRAPE_CONCURRENCY',
    section: 'prometheus_metrics_config',
    key: 'scrape_concurrency',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_SCRAPE_PORT',
    section: 'prometheus_metrics_config',
    key: 'scrape_port',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_STALE_AFTER',
    section: 'prometheus_metrics_config',
    key: 'stale_after',
    kind: 'number',
  },
  {
    env: 'COORDINATOR_MAX_PAGE_BYTES',
    section: 'prometheus_metrics_config',
    key: 'max_page_bytes',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_SCRAPE_GZIP',
    section: 'prometheus_metrics_config',
    key: 'scrape_gzip',
    kind: 'bool',
  },
  {
    env: 'COORDINATOR_DIGEST_IN_WORKER',
    section: 'prometheus_metrics_config',
    key: 'digest_in_worker',
    kind: 'bool',
  },
  {
    env: 'COORDINATOR_QUANTILE_WINDOW',
    section: 'prometheus_metrics_config',
    key: 'quantile_window',
    kind: 'number',
  },
  ...(
    [
      ['COORDINATOR_MAX_SERIES_PER_PAGE', 'max_series_per_page'],
      ['COORDINATOR_MAX_LABELS_PER_SERIES', 'max_labels_per_series'],
      ['COORDINATOR_MAX_LABEL_NAME_LENGTH', 'max_label_name_length'],
      ['COORDINATOR_MAX_LABEL_VALUE_LENGTH', 'max_label_value_length'],
      ['COORDINATOR_MAX_BUCKETS_PER_HISTOGRAM', 'max_buckets_per_histogram'],
    ] as const
  ).map(([env, key]): EnvOverride => ({
    env,
    section: 'prometheus_metrics_config',
    key,
    kind: 'int',
  })),
  {
    env: 'COORDINATOR_RANK_LABELS',
    section: 'prometheus_metrics_config',
    key: 'rank_labels',
    kind: 'list',
  },
  {
    env: 'COORDINATOR_HTTP_HEADERS_TIMEOUT_SECONDS',
    section: 'api_config',
    key: 'http_headers_timeout_seconds',
    kind: 'number',
  },
  {
    env: 'COORDINATOR_HTTP_REQUEST_TIMEOUT_SECONDS',
    section: 'api_config',
    key: 'http_request_timeout_seconds',
    kind: 'number',
  },
  {
    env: 'COORDINATOR_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS',
    section: 'api_config',
    key: 'http_keep_alive_timeout_seconds',
    kind: 'number',
  },
  {
    env: 'COORDINATOR_SCRAPE_ALLOWED_CIDRS',
    section: 'prometheus_metrics_config',
    key: 'scrape_allowed_cidrs',
    kind: 'list',
  },
  {
    env: 'COORDINATOR_INCLUDE_FAMILIES',
    section: 'prometheus_metrics_config',
    key: 'include_families',
    kind: 'list',
  },
  {
    env: 'COORDINATOR_EXCLUDE_FAMILIES',
    section: 'prometheus_metrics_config',
    key: 'exclude_families',
    kind: 'list',
  },
  {
    env: 'COORDINATOR_MAX_SERIES_PER_VIEW',
    section: 'prometheus_metrics_config',
    key: 'max_series_per_view',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_JSON_DEPTH',
    section: 'refresh_limits_config',
    key: 'max_json_depth',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_INSTANCES',
    section: 'refresh_limits_config',
    key: 'max_instances',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_ENDPOINTS_PER_INSTANCE',
    section: 'refresh_limits_config',
    key: 'max_endpoints_per_instance',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_ENDPOINTS',
    section: 'refresh_limits_config',
    key: 'max_endpoints',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_STRING_LENGTH',
    section: 'refresh_limits_config',
    key: 'max_string_length',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_UPSTREAM_KEYS',
    section: 'refresh_limits_config',
    key: 'max_upstream_keys',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_UPSTREAM_BYTES',
    section: 'refresh_limits_config',
    key: 'max_upstream_bytes',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_REFRESH_MAX_ERRORS_LISTED',
    section: 'refresh_limits_config',
    key: 'max_errors_listed',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_ENABLE_MASTER_STANDBY',
    section: 'standby_config',
    key: 'enable_master_standby',
    kind: 'bool',
  },
  {
    env: 'COORDINATOR_ETCD_HOST',
    section: 'etcd_config',
    key: 'etcd_host',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_ETCD_PORT',
    section: 'etcd_config',
    key: 'etcd_port',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_ETCD_ENDPOINTS',
    section: 'etcd_config',
    key: 'endpoints',
    kind: 'list',
  },
  {
    env: 'COORDINATOR_ETCD_KEY_PREFIX',
    section: 'etcd_config',
    key: 'key_prefix',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_ETCD_LEASE_TTL_SECONDS',
    section: 'etcd_config',
    key: 'lease_ttl_seconds',
    kind: 'int',
  },
  {
    env: 'COORDINATOR_ETCD_USERNAME',
    section: 'etcd_config',
    key: 'username',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_ETCD_PASSWORD',
    section: 'etcd_config',
    key: 'password',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_TLS_ENABLE',
    section: 'mgmt_tls_config',
    key: 'tls_enable',
    kind: 'bool',
  },
  {
    env: 'COORDINATOR_TLS_CERT',
    section: 'mgmt_tls_config',
    key: 'tls_cert',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_TLS_KEY',
    section: 'mgmt_tls_config',
    key: 'tls_key',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_TLS_CA_CERT',
    section: 'mgmt_tls_config',
    key: 'ca_cert',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_LOG_LEVEL',
    section: 'log_config',
    key: 'log_level',
    kind: 'string',
  },
  {
    env: 'COORDINATOR_LOG_FORMAT',
    section: 'log_config',
    key: 'log_format',
    kind: 'string',
  },
];
