import type { EngineRole } from '../../src/simulator/vllm-catalogue.js';
import { SimulatedVllmEngine } from '../../src/simulator/vllm-engine.js';

export const MODEL = 'deepseek-ai/DeepSeek-V3';
/** The engines' process start (s since epoch): fixed, so pages are reproducible. */
export const START = 1_767_000_000;
export const ROLES: EngineRole[] = ['prefill', 'decode', 'union'];

/** A simulated vLLM engine of `role` with a fixed seed and start. */
export function engine(
  role: EngineRole,
  seed = 42,
  extra: Partial<ConstructorParameters<typeof SimulatedVllmEngine>[0]> = {},
): SimulatedVllmEngine {
  return new SimulatedVllmEngine({
    modelName: MODEL,
    engineIndex: 0,
    role,
    seed,
    startTimeSeconds: START,
    ...extra,
  });
}
