import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  Max,
  Min,
  ValidateNested,
  IsArray,
  Matches,
  ValidateBy,
} from 'class-validator';
import { VIEW_TYPES, type ViewType } from '../aggregate/views.js';

/**
 * The typed configuration. Keys follow the upstream deployer names
 * (`motor_coordinator_config` section of `user_config.json`); every class-validator
 * message says what is allowed, because it ends up verbatim in the one-line
 * start-up error.
 */

const PORT = 'must be an integer in 0..65535 (0 = any free port)';

const FAMILY_GLOB = /^[a-zA-Z_:*?][a-zA-Z0-9_:*?]*$/;
const PATTERNS_MESSAGE = `must be a list of family name globs (* and ?), or an object of such lists keyed by view (${VIEW_TYPES.join(', ')})`;
const BUDGET_MESSAGE = `must be an integer ≥ 1, or an object of such integers keyed by view (${VIEW_TYPES.join(', ')})`;

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isViewKey = (k: string): boolean =>
  (VIEW_TYPES as readonly string[]).includes(k);
const isPatternList = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.every((p) => typeof p === 'string' && FAMILY_GLOB.test(p));
const isBudget = (v: unknown): boolean =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

/** A list of family globs, or an object of lists keyed by view. */
function IsFamilyPatterns(): PropertyDecorator {
  return ValidateBy({
    name: 'isFamilyPatterns',
    validator: {
      validate: (v: unknown) =>
        isPatternList(v) ||
        (isPlainRecord(v) &&
          Object.entries(v).every(
            ([k, l]) => isViewKey(k) && isPatternList(l),
          )),
      defaultMessage: () => PATTERNS_MESSAGE,
    },
  });
}

/** A series budget, or an object of budgets keyed by view. */
function IsSeriesBudget(): PropertyDecorator {
  return ValidateBy({
    name: 'isSeriesBudget',
    validator: {
      validate: (v: unknown) =>
        isBudget(v) ||
        (isPlainRecord(v) &&
          Object.entries(v).every(([k, b]) => isViewKey(k) && isBudget(b))),
      defaultMessage: () => BUDGET_MESSAGE,
    },
  });
}

export class ApiConfig {
  @IsString({ message: 'must be a host name or IP address' })
  coordinator_api_host!: string;

  @IsInt({ message: PORT })
  @Min(0, { message: PORT })
  @Max(65535, { message: PORT })
  coordinator_api_mgmt_port!: number;

  @IsInt({ message: PORT })
  @Min(0, { message: PORT })
  @Max(65535, { message: PORT })
  coordinator_obs_port!: number;

  /** Management API key for `POST /instances/refresh` and `GET /instances`; empty = no key. */
  @IsString({ message: 'must be a string (empty = no key)' })
  mgmt_api_key!: string;

  /** Bearer token required on `/metrics`; empty = open. */
  @IsString({ message: 'must be a string (empty = open)' })
  metrics_bearer_token!: string;

  /** Seconds readiness answers 503 before the servers close on SIGTERM. */
  @IsNumber({}, { message: 'must be a number of seconds in 0..300' })
  @Min(0, { message: 'must be a number of seconds in 0..300' })
  @Max(300, { message: 'must be a number of seconds in 0..300' })
  drain_delay_seconds!: number;

  /** Both servers: a client must send its request headers within this many seconds. */
  @IsNumber({}, { message: 'must be a number of seconds in 1..600' })
  @Min(1, { message: 'must be a number of seconds in 1..600' })
  @Max(600, { message: 'must be a number of seconds in 1..600' })
  http_headers_timeout_seconds!: number;

  /** Both servers: a client must send its whole request (headers and body) within this many seconds. */
  @IsNumber({}, { message: 'must be a number of seconds in 1..600' })
  @Min(1, { message: 'must be a number of seconds in 1..600' })
  @Max(600, { message: 'must be a number of seconds in 1..600' })
  http_request_timeout_seconds!: number;

  /** Both servers: an idle keep-alive connection is closed after this many seconds. */
  @IsNumber({}, { message: 'must be a number of seconds in 1..3600' })
  @Min(1, { message: 'must be a number of seconds in 1..3600' })
  @Max(3600, { message: 'must be a number of seconds in 1..3600' })
  http_keep_alive_timeout_seconds!: number;
}

export const SCRAPE_PORTS = ['mgmt_port', 'business_port'] as const;

export class PrometheusMetricsConfig {
  /** Scrape cycle period (start to start), seconds. */
  @IsNumber({}, { message: 'must be a number of seconds in 0.2..3600' })
  @Min(0.2, { message: 'must be a number of seconds in 0.2..3600' })
  @Max(3600, { message: 'must be a number of seconds in 0.2..3600' })
  reuse_time!: number;

  /** Per-request timeout, seconds; 0 = 80 % of reuse_time. Must stay below reuse_time. */
  @IsNumber(
    {},
    { message: 'must be a number of seconds ≥ 0 (0 = 80% of reuse_time)' },
  )
  @Min(0, {
    message: 'must be a number of seconds ≥ 0 (0 = 80% of reuse_time)',
  })
  scrape_timeout!: number;

  @IsInt({ message: 'must be an integer in 1..4096' })
  @Min(1, { message: 'must be an integer in 1..4096' })
  @Max(4096, { message: 'must be an integer in 1..4096' })
  scrape_concurrency!: number;

  @IsIn(SCRAPE_PORTS, { message: `must be one of ${SCRAPE_PORTS.join(', ')}` })
  scrape_port!: (typeof SCRAPE_PORTS)[number];

  /** A failed endpoint's last good samples count until this old, seconds; 0 = 5 × reuse_time. */
  @IsNumber(
    {},
    { message: 'must be a number of seconds ≥ 0 (0 = 5 × reuse_time)' },
  )
  @Min(0, { message: 'must be a number of seconds ≥ 0 (0 = 5 × reuse_time)' })
  stale_after!: number;

  /** Largest accepted (decompressed) /metrics page, bytes. */
  @IsInt({ message: 'must be an integer number of bytes in 1024..268435456' })
  @Min(1024, {
    message: 'must be an integer number of bytes in 1024..268435456',
  })
  @Max(268435456, {
    message: 'must be an integer number of bytes in 1024..268435456',
  })
  max_page_bytes!: number;

  /** Ask endpoints for gzip (less network, more coordinator CPU) or for plain text. */
  @IsBoolean({ message: 'must be true or false' })
  scrape_gzip!: boolean;

  /** Parse/aggregate/render in a worker thread (true) or on the event loop (false). */
  @IsBoolean({ message: 'must be true or false' })
  digest_in_worker!: boolean;

  /** S3: windowed quantiles, means, hit rates and token rates span this many seconds (at least reuse_time: a smaller value means reuse_time). */
  @IsNumber({}, { message: 'must be a number of seconds ≥ 0.2' })
  @Min(0.2, { message: 'must be a number of seconds ≥ 0.2' })
  quantile_window!: number;

  /** Page budgets: a page over one is refused whole, its endpoint down with the reason (0 = no limit). */
  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_series_per_page!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_labels_per_series!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_label_name_length!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_label_value_length!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_buckets_per_histogram!: number;

  /** R1: labels naming a part of one engine, removed before merging (kept in the dp view). */
  @IsArray({ message: 'must be a list of label names' })
  @Matches(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
    each: true,
    message: 'must be a list of label names',
  })
  rank_labels!: string[];

  /** §3.2: only families matching one of these globs are served (empty = every family); a list for every view, or per view. */
  @IsFamilyPatterns()
  include_families!: string[] | Partial<Record<ViewType, string[]>>;

  /** §3.2: families matching one of these globs are left out; a list for every view, or per view. */
  @IsFamilyPatterns()
  exclude_families!: string[] | Partial<Record<ViewType, string[]>>;

  /** §3.2: a view that would print more series loses whole families, the largest first; one number or per view. */
  @IsSeriesBudget()
  max_series_per_view!: number | Partial<Record<ViewType, number>>;

  /** Endpoint addresses must fall in one of these CIDRs; empty = every address the target policy allows. */
  @IsArray({ message: 'must be a list of CIDRs such as 10.0.0.0/8' })
  @IsString({
    each: true,
    message: 'must be a list of CIDRs such as 10.0.0.0/8',
  })
  scrape_allowed_cidrs!: string[];
}

const LIMIT = (lo: number, hi: number) => `must be an integer in ${lo}..${hi}`;

/**
 * Bounds on one refresh request and on the registry it builds, so that every
 * refresh is answered in time linear in its body and the registry stays small
 * enough to list. The defaults are far above what a real controller sends.
 */
export class RefreshLimitsConfig {
  @IsInt({ message: LIMIT(8, 1000) })
  @Min(8, { message: LIMIT(8, 1000) })
  @Max(1000, { message: LIMIT(8, 1000) })
  max_json_depth!: number;

  @IsInt({ message: LIMIT(1, 1000000) })
  @Min(1, { message: LIMIT(1, 1000000) })
  @Max(1000000, { message: LIMIT(1, 1000000) })
  max_instances!: number;

  @IsInt({ message: LIMIT(1, 1000000) })
  @Min(1, { message: LIMIT(1, 1000000) })
  @Max(1000000, { message: LIMIT(1, 1000000) })
  max_endpoints_per_instance!: number;

  @IsInt({ message: LIMIT(1, 10000000) })
  @Min(1, { message: LIMIT(1, 10000000) })
  @Max(10000000, { message: LIMIT(1, 10000000) })
  max_endpoints!: number;

  @IsInt({ message: LIMIT(16, 1048576) })
  @Min(16, { message: LIMIT(16, 1048576) })
  @Max(1048576, { message: LIMIT(16, 1048576) })
  max_string_length!: number;

  @IsInt({ message: LIMIT(0, 1000000) })
  @Min(0, { message: LIMIT(0, 1000000) })
  @Max(1000000, { message: LIMIT(0, 1000000) })
  max_upstream_keys!: number;

  @IsInt({ message: LIMIT(2, 10485760) })
  @Min(2, { message: LIMIT(2, 10485760) })
  @Max(10485760, { message: LIMIT(2, 10485760) })
  max_upstream_bytes!: number;

  @IsInt({ message: LIMIT(1, 10000) })
  @Min(1, { message: LIMIT(1, 10000) })
  @Max(10000, { message: LIMIT(1, 10000) })
  max_errors_listed!: number;
}

export class StandbyConfig {
  @IsBoolean({ message: 'must be true or false' })
  enable_master_standby!: boolean;
}

export class EtcdConfig {
  @IsString({ message: 'must be a host name or IP address' })
  etcd_host!: string;

  @IsInt({ message: 'must be an integer in 1..65535' })
  @Min(1, { message: 'must be an integer in 1..65535' })
  @Max(65535, { message: 'must be an integer in 1..65535' })
  etcd_port!: number;

  /** Full endpoint list (`http://h:p`); when non-empty it wins over etcd_host/etcd_port. */
  @IsArray({ message: 'must be a list of URLs' })
  @IsString({ each: true, message: 'must be a list of URLs' })
  endpoints!: string[];

  @IsString({ message: 'must be a key prefix string' })
  key_prefix!: string;

  @IsInt({ message: 'must be an integer number of seconds in 1..60' })
  @Min(1, { message: 'must be an integer number of seconds in 1..60' })
  @Max(60, { message: 'must be an integer number of seconds in 1..60' })
  lease_ttl_seconds!: number;

  @IsInt({ message: 'must be an integer number of milliseconds in 100..60000' })
  @Min(100, {
    message: 'must be an integer number of milliseconds in 100..60000',
  })
  @Max(60000, {
    message: 'must be an integer number of milliseconds in 100..60000',
  })
  timeout_ms!: number;

  @IsString({ message: 'must be a string' })
  username!: string;

  @IsString({ message: 'must be a string' })
  password!: string;

  @IsString({ message: 'must be a file path (empty = no TLS)' })
  ca_file!: string;

  @IsString({ message: 'must be a file path' })
  cert_file!: string;

  @IsString({ message: 'must be a file path' })
  key_file!: string;
}

export class MgmtTlsConfig {
  @IsBoolean({ message: 'must be true or false' })
  tls_enable!: boolean;

  @IsString({ message: 'must be a file path' })
  tls_cert!: string;

  @IsString({ message: 'must be a file path' })
  tls_key!: string;

  /** CA for client certificates; when set, clients must present a certificate it signed. */
  @IsString({ message: 'must be a file path (empty = no client certificates)' })
  ca_cert!: string;
}

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export const LOG_FORMATS = ['json', 'text'] as const;

export class LogConfig {
  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  log_level!: (typeof LOG_LEVELS)[number];

  @IsIn(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` })
  log_format!: (typeof LOG_FORMATS)[number];
}

export class CoordinatorConfig {
  @ValidateNested()
  @Type(() => ApiConfig)
  api_config!: ApiConfig;

  @ValidateNested()
  @Type(() => PrometheusMetricsConfig)
  prometheus_metrics_config!: PrometheusMetricsConfig;

  @ValidateNested()
  @Type(() => RefreshLimitsConfig)
  refresh_limits_config!: RefreshLimitsConfig;

  @ValidateNested()
  @Type(() => StandbyConfig)
  standby_config!: StandbyConfig;

  @ValidateNested()
  @Type(() => EtcdConfig)
  etcd_config!: EtcdConfig;

  @ValidateNested()
  @Type(() => MgmtTlsConfig)
  mgmt_tls_config!: MgmtTlsConfig;

  @ValidateNested()
  @Type(() => LogConfig)
  log_config!: LogConfig;
}

/** Deep-readonly view handed to the rest of the service. */
export type AppConfig = {
  readonly [S in keyof CoordinatorConfig]: Readonly<CoordinatorConfig[S]>;
};
