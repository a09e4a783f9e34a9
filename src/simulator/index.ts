/** Simulated LLM-engine fleet: vLLM V1 engines, their `/metrics` servers and a loopback fleet. */
export {
  SimulatedVllmEngine,
  type EngineSnapshot,
  type HistogramSnapshot,
  type SimulatedVllmEngineOptions,
} from './vllm-engine.js';
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
  type RefreshBody,
  type RefreshEndpoint,
  type RefreshEvent,
  type RefreshInstance,
} from './fleet.js';
export {
  VLLM_HISTOGRAMS,
  type EngineRole,
  type FinishedReason,
  type VllmHistogramName,
} from './vllm-catalogue.js';
export { formatSampleValue } from './prom-format.js';
