import type { AppConfig } from '../config/config.schema.js';
import type { RegistryLimits } from '../instances/registry-limits.js';

/** The registry's limits, from `refresh_limits_config` and the scraped port. */
export function registryLimitsFrom(config: AppConfig): RegistryLimits {
  const l = config.refresh_limits_config;
  return Object.freeze({
    maxInstances: l.max_instances,
    maxEndpoints: l.max_endpoints,
    scrapePort: config.prometheus_metrics_config.scrape_port,
    maxErrorsListed: l.max_errors_listed,
  });
}
