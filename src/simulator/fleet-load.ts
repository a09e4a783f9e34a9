/**
 * A fleet's load, per model and PD-coupled as in a real PD cluster: every
 * request of a model goes through one prefill and one decode engine (or one
 * union engine), so both sides finish the same requests per second with the
 * same prompt lengths. Within a side, requests are split in proportion to
 * each engine's weight (its seeded capacity share by default, or equal with
 * `requestsPerSecond`, times the instance's `loadScale`).
 */
import { seededArrivalRate } from './engine-load.js';
import type { FleetSpec } from './fleet-spec.js';
import type { Placement } from './fleet-placement.js';
import { lognormalMean, ROLE_PROFILES } from './role-profiles.js';
import type { EngineRole } from './vllm-catalogue.js';

/** The nominal load of one model, from the engines' arrival rates and the role profiles' means. */
export interface ModelLoad {
  modelName: string;
  /** User requests per second (decode + union side). */
  requestsPerSecond: number;
  /** Prompt tokens per second entering the cluster (prefill + union side). */
  promptTokensPerSecond: number;
  /** Generation tokens per second the users receive (decode + union side). */
  generationTokensPerSecond: number;
}

/**
 * Arrival rate of every placement: per model, R requests per second through
 * the union side and the PD side (split by weight), the PD share on both its
 * prefill and its decode side.
 */
export function arrivalRates(
  placements: readonly Placement[],
  spec: FleetSpec,
  modelOf: (p: Placement) => string,
  seedOf: (p: Placement) => number,
): number[] {
  const given = spec.requestsPerSecond;
  const weights = placements.map(
    (p) =>
      Math.max(0, p.instance.loadScale ?? 1) *
      (given === undefined ? seededArrivalRate(p.instance.role, seedOf(p)) : 1),
  );
  const rates = placements.map(() => 0);
  const models = new Set(placements.map(modelOf));
  for (const model of models) {
    const side = (role: EngineRole) =>
      placements
        .map((p, i) => ({ p, i }))
        .filter(({ p }) => modelOf(p) === model && p.instance.role === role)
        .map(({ i }) => i);
    const prefill = side('prefill');
    const decode = side('decode');
    const union = side('union');
    const total = (ix: number[]) =>
      ix.reduce((a, i) => a + (weights[i] as number), 0);
    const wUnion = total(union);
    const wDecode = total(decode);
    const r =
      given === undefined
        ? wUnion + wDecode > 0
          ? wUnion + wDecode
          : total(prefill)
        : typeof given === 'number'
          ? given
          : (given[model] ?? 0);
    const unionShare =
      wUnion + wDecode > 0 ? (r * wUnion) / (wUnion + wDecode) : 0;
    const pd = r - unionShare;
    const spread = (ix: number[], amount: number) => {
      const w = total(ix);
      for (const i of ix) {
        rates[i] = w > 0 ? (amount * (weights[i] as number)) / w : 0;
      }
    };
    spread(union, unionShare);
    spread(prefill, pd);
    spread(decode, pd);
  }
  return rates;
}

/** An engine as the load sees it. */
export interface LoadedEngine {
  readonly modelName: string;
  readonly role: EngineRole;
  readonly engine: { readonly requestsPerSecond: number };
}

/** The nominal load per model (what the engines are set to serve). */
export function modelLoads(
  endpoints: readonly LoadedEngine[],
  modelNames: readonly string[],
): ModelLoad[] {
  return modelNames.map((model) => {
    const eps = endpoints.filter((e) => e.modelName === model);
    const rate = (roles: EngineRole[]) =>
      eps
        .filter((e) => roles.includes(e.role))
        .reduce((a, e) => a + e.engine.requestsPerSecond, 0);
    const tokens = (role: EngineRole, side: 'prompt' | 'generation') => {
      const p = ROLE_PROFILES[role];
      const dist = side === 'prompt' ? p.promptTokens : p.generationTokens;
      return rate([role]) * (dist ? lognormalMean(dist) : 1);
    };
    return {
      modelName: model,
      requestsPerSecond: rate(['decode', 'union']),
      promptTokensPerSecond:
        tokens('prefill', 'prompt') + tokens('union', 'prompt'),
      generationTokensPerSecond:
        tokens('decode', 'generation') + tokens('union', 'generation'),
    };
  });
}
