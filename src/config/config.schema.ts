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
} from 'class-validator';
import { PrometheusMetricsConfig } from './metrics-config.schema.js';

/**
 * The typed configuration. Keys follow the upstream deployer names
 * (`motor_coordinator_config` section of `user_config.json`); every class-validator
 * message says what is allowed, because it ends up verbatim in the one-line
 * start-up error.
 */

const PORT = 'must be an integer in 0..65535 (0 = any free port)';

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
