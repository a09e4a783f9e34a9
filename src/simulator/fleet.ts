/**
 * A fleet of simulated engine instances on loopback (placement:
 * fleet-placement.ts; load: fleet-load.ts), plus the `POST /instances/refresh`
 * body that registers them with the coordinator.
 */
import { startEngineServer, type EngineServer } from './engine-server.js';
import type { EngineKind } from './engine-kinds.js';
import { arrivalRates, modelLoads, type ModelLoad } from './fleet-load.js';
import { place, type Placement } from './fleet-placement.js';
import type { FleetSpec } from './fleet-spec.js';
import { mixSeed } from './prng.js';
import {
  refreshBody,
  type RefreshBody,
  type RefreshEvent,
} from './refresh-body.js';
import type { EngineRole } from './vllm-catalogue.js';
import { SimulatedVllmEngine } from './vllm-engine.js';

export interface FleetEndpoint {
  instanceId: number;
  role: EngineRole;
  modelName: string;
  kind: EngineKind;
  rank: number;
  ip: string;
  port: number;
  engine: SimulatedVllmEngine;
  server: EngineServer;
}

export interface Fleet {
  /** The fleet's default model. */
  readonly modelName: string;
  /** Every model served, in instance order. */
  readonly modelNames: readonly string[];
  /** Per instance (spec order), per rank. */
  readonly engines: readonly (readonly FleetEndpoint[])[];
  /** Every endpoint, flat. */
  readonly endpoints: readonly FleetEndpoint[];
  /** The SPEC §2 refresh body for every instance, or only for `ids`. */
  refreshBody(event?: RefreshEvent, ids?: readonly number[]): RefreshBody;
  /** Advances every engine. */
  tick(dtSeconds: number): void;
  /** The endpoints (ranks) of one instance. */
  instance(id: number): readonly FleetEndpoint[];
  /** The nominal load per model (what the engines are set to serve). */
  load(): ModelLoad[];
  close(): Promise<void>;
}

export async function startFleet(spec: FleetSpec): Promise<Fleet> {
  const modelName = spec.modelName ?? 'deepseek-ai/DeepSeek-V3';
  const seed = spec.seed ?? 1;
  const placements = place(spec);
  const modelOf = (p: Placement) => p.instance.modelName ?? modelName;
  const seedOf = (p: Placement) => mixSeed(seed, p.instance.id, p.rank);
  const rates = arrivalRates(placements, spec, modelOf, seedOf);
  const started = await Promise.allSettled(
    placements.map(async (placement, i): Promise<FleetEndpoint> => {
      const { instance, rank, ip } = placement;
      const kind = instance.kind ?? spec.kind ?? 'vllm';
      const engine = new SimulatedVllmEngine({
        startTimeSeconds: spec.startTimeSeconds,
        warmupSeconds: spec.warmupSeconds,
        frozen: spec.frozen,
        steadyLoad: spec.requestsPerSecond !== undefined,
        buckets: instance.buckets,
        cacheConfig: instance.cacheConfig,
        maxTotalNumTokens: instance.maxTotalNumTokens,
        dpRankLabel: instance.dpRankLabel,
        history: instance.history,
        ...instance.engineOptions,
        modelName: modelOf(placement),
        engineIndex: rank,
        role: instance.role,
        kind,
        seed: seedOf(placement),
        requestsPerSecond: rates[i],
      });
      const server = await startEngineServer({
        host: ip,
        port: spec.basePort === undefined ? 0 : spec.basePort + i,
        handler: spec.wallClock
          ? () => engine.render(Date.now() / 1000)
          : () => engine.render(),
      });
      return {
        instanceId: instance.id,
        role: instance.role,
        modelName: modelOf(placement),
        kind,
        rank,
        ip,
        port: server.port,
        engine,
        server,
      };
    }),
  );
  const endpoints: FleetEndpoint[] = [];
  const failures: unknown[] = [];
  for (const r of started) {
    if (r.status === 'fulfilled') endpoints.push(r.value);
    else failures.push(r.reason);
  }
  if (failures.length > 0) {
    await Promise.all(endpoints.map((e) => e.server.close()));
    throw failures[0] instanceof Error
      ? failures[0]
      : new Error(String(failures[0]));
  }

  const engines = spec.instances.map((instance) =>
    endpoints.filter((e) => e.instanceId === instance.id),
  );
  const tick = (dt: number): void => {
    for (const e of endpoints) e.engine.tick(dt);
  };
  const interval = spec.tickIntervalMs ?? 0;
  const timer =
    interval > 0
      ? setInterval(() => tick(interval / 1000), interval)
      : undefined;
  timer?.unref();

  const modelNames = [...new Set(endpoints.map((e) => e.modelName))];
  return {
    modelName,
    modelNames,
    engines,
    endpoints,
    instance(id: number) {
      return endpoints.filter((e) => e.instanceId === id);
    },
    load() {
      return modelLoads(endpoints, modelNames);
    },
    refreshBody(
      event: RefreshEvent = 'set',
      ids?: readonly number[],
    ): RefreshBody {
      return refreshBody(spec.instances, engines, modelName, event, ids);
    },
    tick,
    async close() {
      if (timer) clearInterval(timer);
      await Promise.all(endpoints.map((e) => e.server.close()));
    },
  };
}
