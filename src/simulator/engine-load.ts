/**
 * How loaded an engine is: its seeded traits (hardware speed, base arrival
 * rate), the slow wander of its load, and the batch gauges a utilisation
 * implies (Little's law for the batch, the overflow queues).
 */
import type { PageSlots } from './page-slots.js';
import { Prng } from './prng.js';
import {
  lognormalMean,
  ROLE_PROFILES,
  type RoleProfile,
} from './role-profiles.js';
import { inc } from './value-writes.js';
import { C, type EngineRole } from './vllm-catalogue.js';

/** The seeded traits of an engine: hardware speed and base arrival rate. */
export function drawTraits(
  rng: Prng,
  profile: RoleProfile,
): { speed: number; baseRate: number } {
  const speed = Math.exp(0.12 * rng.normal());
  const [uLo, uHi] = profile.utilisation;
  const meanBusy = lognormalMean(profile.inferenceTime) * speed;
  return {
    speed,
    baseRate: (rng.range(uLo, uHi) * profile.capacity) / meanBusy,
  };
}

/** The base arrival rate an engine with this role and seed gets by default. */
export function seededArrivalRate(role: EngineRole, seed: number): number {
  return drawTraits(new Prng(seed), ROLE_PROFILES[role]).baseRate;
}

/** The load after `dtSeconds`: it wanders around 1 (mean-reverting, time constant ~1 min). */
export function wanderLoad(load: number, dtSeconds: number, rng: Prng): number {
  const k = Math.min(1, dtSeconds / 60);
  load += k * (1 - load) + Math.sqrt(k) * 0.3 * rng.normal();
  return Math.min(1.6, Math.max(0.2, load));
}

/**
 * Sets running, waiting and KV usage for this utilisation (`over`: its part
 * above 0.85), counts the preemptions of a full KV cache; returns running.
 */
export function setBatchGauges(
  v: Float64Array,
  s: PageSlots,
  rng: Prng,
  p: RoleProfile,
  util: number,
  over: number,
  dtSeconds: number,
): number {
  const running = Math.round(
    Math.min(
      p.capacity,
      Math.max(0, util * p.capacity * (1 + 0.04 * rng.normal())),
    ),
  );
  const waiting =
    over > 0
      ? Math.round(over * p.capacity * (1.5 + 0.2 * rng.normal())) +
        rng.poisson(1)
      : rng.poisson(util * 0.5);
  v[s.running] = running;
  v[s.waiting] = Math.max(0, waiting);
  const kv = (0.92 * running) / p.capacity + 0.02 * rng.normal();
  v[s.kvUsage] = Math.min(1, Math.max(0, running === 0 ? 0 : kv));
  if (kv > 0.9) {
    inc(
      v,
      s.counters[C.numPreemptions] as number,
      rng.poisson(dtSeconds * (kv - 0.9) * 20),
    );
  }
  return running;
}
