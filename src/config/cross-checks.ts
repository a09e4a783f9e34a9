import { accessSync, constants } from 'node:fs';
import { parseCidr } from '../instances/target-policy.js';
import { ConfigError } from './config-error.js';
import type { CoordinatorConfig } from './config.schema.js';

/**
 * The rules a single key's validator cannot state: keys that must agree with
 * each other, and files a setting names that must be readable.
 */
export function crossCheck(c: CoordinatorConfig): void {
  const api = c.api_config;
  if (
    api.coordinator_api_mgmt_port !== 0 &&
    api.coordinator_api_mgmt_port === api.coordinator_obs_port
  ) {
    throw new ConfigError(
      `invalid configuration: api_config.coordinator_obs_port = ${api.coordinator_obs_port}: must differ from api_config.coordinator_api_mgmt_port`,
    );
  }
  if (api.http_headers_timeout_seconds > api.http_request_timeout_seconds) {
    throw new ConfigError(
      `invalid configuration: api_config.http_headers_timeout_seconds = ${api.http_headers_timeout_seconds}: must not exceed api_config.http_request_timeout_seconds (${api.http_request_timeout_seconds})`,
    );
  }
  const p = c.prometheus_metrics_config;
  for (const cidr of p.scrape_allowed_cidrs) {
    if (parseCidr(cidr) === null) {
      throw new ConfigError(
        `invalid configuration: prometheus_metrics_config.scrape_allowed_cidrs = ${JSON.stringify(cidr)}: each entry must be a CIDR such as 10.0.0.0/8 or fd00::/8`,
      );
    }
  }
  if (p.scrape_timeout >= p.reuse_time) {
    throw new ConfigError(
      `invalid configuration: prometheus_metrics_config.scrape_timeout = ${p.scrape_timeout}: must be below reuse_time (${p.reuse_time}); 0 = 80% of reuse_time`,
    );
  }
  const tls = c.mgmt_tls_config;
  if (tls.tls_enable) {
    for (const key of ['tls_cert', 'tls_key'] as const) {
      if (tls[key] === '') {
        throw new ConfigError(
          `invalid configuration: mgmt_tls_config.${key} = "": a file path is required when mgmt_tls_config.tls_enable is true`,
        );
      }
      checkReadable(tls[key], `mgmt_tls_config.${key}`);
    }
    if (tls.ca_cert !== '')
      checkReadable(tls.ca_cert, 'mgmt_tls_config.ca_cert');
  }
  const etcd = c.etcd_config;
  if ((etcd.cert_file === '') !== (etcd.key_file === '')) {
    throw new ConfigError(
      `invalid configuration: etcd_config.${etcd.cert_file === '' ? 'cert_file' : 'key_file'} = "": etcd_config.cert_file and etcd_config.key_file go together`,
    );
  }
  for (const key of ['ca_file', 'cert_file', 'key_file'] as const) {
    if (etcd[key] !== '') checkReadable(etcd[key], `etcd_config.${key}`);
  }
  for (const url of etcd.endpoints) {
    if (!/^https?:\/\/[^\s/]+$/.test(url)) {
      throw new ConfigError(
        `invalid configuration: etcd_config.endpoints = ${JSON.stringify(url)}: each endpoint must look like http://host:port or https://host:port`,
      );
    }
  }
}

function checkReadable(path: string, key: string): void {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ConfigError(
      `invalid configuration: ${key} = ${JSON.stringify(path)}: file does not exist or is not readable`,
    );
  }
}
