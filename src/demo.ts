import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApplications } from './bootstrap/create-applications.js';
import { createLogger } from './bootstrap/logger.js';
import { loadConfig } from './config/load-config.js';
import { startFleet } from './simulator/index.js';

/**
 * `npm run demo`: the coordinator with its defaults (no etcd, no config file)
 * in front of a small simulated vLLM fleet on loopback, registered through the
 * real POST /instances/refresh. Ctrl-C stops everything.
 */
const { config } = loadConfig({
  argv: process.argv.slice(2),
  env: {
    COORDINATOR_DRAIN_DELAY_SECONDS: '0',
    COORDINATOR_REUSE_TIME: '1',
    ...process.env,
  },
});
const logger = createLogger(config);
Logger.overrideLogger(logger.nest);
const log = new Logger('Demo');

const fleet = await startFleet({
  modelName: 'deepseek-ai/DeepSeek-V3',
  seed: 7,
  tickIntervalMs: 1000,
  instances: [
    { id: 0, role: 'prefill', dpRanks: 2 },
    { id: 1, role: 'prefill', dpRanks: 2 },
    { id: 2, role: 'decode', dpRanks: 4 },
    { id: 3, role: 'decode', dpRanks: 4 },
  ],
});
const apps = await createApplications(config, { logger });
const { managementUrl: mgmt, observabilityUrl: obs } = await apps.listen();
await apps.started();

const res = await fetch(`${mgmt}/instances/refresh`, {
  method: 'POST',
  headers: {
    'Content-Type': 'application/json',
    'X-Request-Id': 'demo',
    ...(config.api_config.mgmt_api_key
      ? { 'X-API-Key': config.api_config.mgmt_api_key }
      : {}),
  },
  body: JSON.stringify(fleet.refreshBody('set')),
});
if (!res.ok)
  throw new Error(`refresh failed: ${res.status} ${await res.text()}`);
await apps.handles.scheduler.nextCycle();

const lines = [
  '',
  'motor-coordinator demo: 4 instances (2 prefill × 2 DP, 2 decode × 4 DP) of simulated vLLM engines',
  '',
  `  aggregated metrics   curl '${obs}/metrics'`,
  `  per instance         curl '${obs}/metrics?type=instance'`,
  `  per role             curl '${obs}/metrics?type=role&role=decode'`,
  `  per DP rank          curl '${obs}/metrics?type=dp'`,
  `  per pod              curl '${obs}/metrics?type=node'`,
  `  OpenTelemetry JSON   curl '${obs}/metrics?format=opentelemetry'`,
  `  probes               curl ${mgmt}/startup ${mgmt}/liveness ${mgmt}/readiness`,
  `  instances            curl ${mgmt}/instances`,
  `  Swagger UI           ${mgmt}/docs   and   ${obs}/docs`,
  '',
  'Ctrl-C stops the coordinator and the fleet.',
  '',
];
process.stdout.write(lines.join('\n') + '\n');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    log.log(`${signal}: stopping`);
    void apps
      .shutdown(0)
      .then(() => fleet.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error(String(err));
          process.exit(1);
        },
      );
  });
}
