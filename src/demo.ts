import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApplications } from './bootstrap/create-applications.js';
import { createLogger } from './bootstrap/logger.js';
import { loadConfig } from './config/load-config.js';
import {
  startFleet,
  type FleetInstanceSpec,
  type ModelLoad,
} from './simulator/index.js';

/**
 * `npm run demo`: the coordinator with its defaults (no etcd, no config file)
 * in front of a small simulated PD fleet on loopback, registered through the
 * real POST /instances/refresh. Ctrl-C stops everything.
 *
 * The fleet serves a fixed load (requests per second per model); every
 * request passes through one prefill and one decode engine, as in a real PD
 * cluster, so the full view's token rates can be checked against the load
 * printed at start-up. `--mixed` adds an SGLang and a MindIE model.
 */
const args = process.argv.slice(2);
const mixed = args.includes('--mixed');
const { config } = loadConfig({
  argv: args.filter((a) => a !== '--mixed'),
  env: {
    COORDINATOR_DRAIN_DELAY_SECONDS: '0',
    COORDINATOR_REUSE_TIME: '1',
    ...process.env,
  },
});
const logger = createLogger(config);
Logger.overrideLogger(logger.nest);
const log = new Logger('Demo');

const VLLM_MODEL = 'deepseek-ai/DeepSeek-V3';
const SGLANG_MODEL = 'Qwen/Qwen3-32B';
const MINDIE_MODEL = 'qwen2.5-72b-instruct';
const instances: FleetInstanceSpec[] = [
  { id: 0, role: 'prefill', dpRanks: 2 },
  { id: 1, role: 'prefill', dpRanks: 2 },
  { id: 2, role: 'decode', dpRanks: 4 },
  { id: 3, role: 'decode', dpRanks: 4 },
];
if (mixed) {
  const sglang = { modelName: SGLANG_MODEL, kind: 'sglang' as const };
  const mindie = { modelName: MINDIE_MODEL, kind: 'mindie' as const };
  instances.push(
    { id: 10, role: 'prefill', dpRanks: 2, dpRankLabel: true, ...sglang },
    { id: 11, role: 'decode', dpRanks: 2, dpRankLabel: true, ...sglang },
    { id: 20, role: 'prefill', dpRanks: 1, ...mindie },
    { id: 21, role: 'decode', dpRanks: 2, ...mindie },
  );
}
const fleet = await startFleet({
  modelName: VLLM_MODEL,
  seed: 7,
  tickIntervalMs: 1000,
  requestsPerSecond: {
    [VLLM_MODEL]: 40,
    [SGLANG_MODEL]: 10,
    [MINDIE_MODEL]: 5,
  },
  instances,
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

const fmt = (x: number) =>
  x.toLocaleString('en-US', { maximumFractionDigits: x < 100 ? 1 : 0 });
const loadLine = (l: ModelLoad) =>
  `  ${l.modelName.padEnd(26)} ${fmt(l.requestsPerSecond).padStart(6)} req/s   ${fmt(l.promptTokensPerSecond).padStart(8)} prompt tokens/s   ${fmt(l.generationTokensPerSecond).padStart(7)} generation tokens/s`;
const loads = fleet.load();
const total = loads.reduce(
  (a, l) => ({
    modelName: 'whole fleet',
    requestsPerSecond: a.requestsPerSecond + l.requestsPerSecond,
    promptTokensPerSecond: a.promptTokensPerSecond + l.promptTokensPerSecond,
    generationTokensPerSecond:
      a.generationTokensPerSecond + l.generationTokensPerSecond,
  }),
  {
    modelName: '',
    requestsPerSecond: 0,
    promptTokensPerSecond: 0,
    generationTokensPerSecond: 0,
  },
);
const lines = [
  '',
  mixed
    ? 'motor-coordinator demo: a mixed PD fleet of simulated engines: vLLM (2 prefill × 2 DP, 2 decode × 4 DP), SGLang (1 prefill × 2 DP, 1 decode × 2 DP), MindIE (1 prefill, 1 decode × 2 DP)'
    : 'motor-coordinator demo: a PD fleet of simulated vLLM V1 engines: 2 prefill instances × 2 DP, 2 decode instances × 4 DP',
  '',
  'Simulated load (every request goes through one prefill and one decode engine):',
  ...loads.map(loadLine),
  ...(loads.length > 1 ? [loadLine(total)] : []),
  '',
  '  compare (after a minute)  curl -s ' +
    `'${obs}/metrics' | grep -E '^motor:(prompt|generation)_tokens_per_second'`,
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

// Once a minute, the load the engines really served in the last minute
// (their own counters: prompt tokens on prefill, generation tokens on decode).
const served = () => {
  let prompt = 0;
  let generation = 0;
  let requests = 0;
  for (const e of fleet.endpoints) {
    const t = e.engine.totals();
    if (e.role !== 'decode') prompt += t.promptTokens;
    if (e.role !== 'prefill') {
      generation += t.generationTokens;
      requests += Object.values(t.finished).reduce((a, b) => a + b, 0);
    }
  }
  return { at: Date.now(), prompt, generation, requests };
};
let last = served();
const report = setInterval(() => {
  const now = served();
  const dt = (now.at - last.at) / 1000;
  log.log(
    `engines served in the last ${Math.round(dt)} s: ${fmt((now.requests - last.requests) / dt)} req/s, ` +
      `${fmt((now.prompt - last.prompt) / dt)} prompt tokens/s, ${fmt((now.generation - last.generation) / dt)} generation tokens/s`,
  );
  last = now;
}, 60_000);
report.unref();

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
