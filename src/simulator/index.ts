/**
 * Simulated LLM-engine fleet: vLLM (V1, V0), SGLang and MindIE engines, their
 * `/metrics` servers and a loopback fleet.
 */
export {
  SimulatedVllmEngine,
  SimulatedVllmEngine as SimulatedEngine,
} from './vllm-engine.js';
export { seededArrivalRate } from './engine-load.js';
export type {
  HistorySpec,
  PinnedGauges,
  SimulatedVllmEngineOptions,
  SimulatedVllmEngineOptions as SimulatedEngineOptions,
} from './engine-options.js';
export type {
  EngineSnapshot,
  EngineTotals,
  HistogramSnapshot,
} from './engine-readouts.js';
export type { InjectSpec } from './exact-requests.js';
export {
  ENGINE_KINDS,
  type CustomBuckets,
  type EngineKind,
} from './engine-kinds.js';
export {
  METRICS_CONTENT_TYPE,
  startEngineServer,
  type EngineServer,
  type EngineServerMode,
  type EngineServerOptions,
  type PageSource,
} from './engine-server.js';
export { startFleet, type Fleet, type FleetEndpoint } from './fleet.js';
export type { FleetInstanceSpec, FleetSpec } from './fleet-spec.js';
export type { ModelLoad } from './fleet-load.js';
export { podAddress } from './fleet-placement.js';
export type {
  RefreshBody,
  RefreshEndpoint,
  RefreshEvent,
  RefreshInstance,
} from './refresh-body.js';
export {
  FINISHED_REASONS,
  VLLM_HISTOGRAMS,
  type EngineRole,
  type FinishedReason,
  type VllmHistogramName,
} from './vllm-catalogue.js';
export type { CacheConfig } from './cache-config.js';
export { formatSampleValue } from './prom-format.js';
