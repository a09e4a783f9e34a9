/**
 * Simulated LLM-engine fleet: vLLM (V1, V0), SGLang and MindIE engines, their
 * `/metrics` servers and a loopback fleet.
 */
export {
  seededArrivalRate,
  SimulatedVllmEngine,
  SimulatedVllmEngine as SimulatedEngine,
  type EngineSnapshot,
  type EngineTotals,
  type HistogramSnapshot,
  type HistorySpec,
  type InjectSpec,
  type PinnedGauges,
  type SimulatedVllmEngineOptions,
  type SimulatedVllmEngineOptions as SimulatedEngineOptions,
} from './vllm-engine.js';
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
export {
  podAddress,
  startFleet,
  type Fleet,
  type FleetEndpoint,
  type FleetInstanceSpec,
  type FleetSpec,
  type ModelLoad,
  type RefreshBody,
  type RefreshEndpoint,
  type RefreshEvent,
  type RefreshInstance,
} from './fleet.js';
export {
  FINISHED_REASONS,
  VLLM_HISTOGRAMS,
  type EngineRole,
  type FinishedReason,
  type VllmHistogramName,
} from './vllm-catalogue.js';
export type { CacheConfig } from './vllm-page.js';
export { formatSampleValue } from './prom-format.js';
