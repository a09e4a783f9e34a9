/**
 * A fleet of simulated vLLM instances on loopback: one engine server per DP
 * rank, instances spread over 127.0.0.2, 127.0.0.3, … like pods, plus the
 * `POST /instances/refresh` body that registers them with the coordinator.
 */
import { startEngineServer, type EngineServer } from './engine-server.js';
import { mixSeed } from './prng.js';
import type { EngineRole } from './vllm-catalogue.js';
import { SimulatedVllmEngine } from './vllm-engine.js';

export interface FleetInstanceSpec {
  id: number;
  role: EngineRole;
  /** Data-parallel ranks: one engine server each. */
  dpRanks: number;
  /** Bind every rank of this instance on this loopback address. Default: the next pod address(es). */
  host?: string;
  /** Ranks per pod (address) when `host` is not given. Default: all ranks on one pod. */
  ranksPerHost?: number;
  /** `job_name` in the refresh body. Default `<role>-<id>`. */
  jobName?: string;
  /** Multiplies the engines' base arrival rate. Default 1. */
  loadScale?: number;
}

export interface FleetSpec {
  /** Default `deepseek-ai/DeepSeek-V3`. */
  modelName?: string;
  instances: FleetInstanceSpec[];
  /** Default 1. Each engine's seed derives from it, the instance id and the rank. */
  seed?: number;
  /** Automatic ticking period; 0 (default) = only explicit `tick()`. */
  tickIntervalMs?: number;
  /** Ports basePort, basePort+1, … in endpoint order. Default: ephemeral ports. */
  basePort?: number;
  /** `process_start_time_seconds` of every engine (makes pages reproducible). Default: the wall clock. */
  startTimeSeconds?: number;
  /** Seconds of traffic simulated before serving, so counters start non-zero. Default 0. */
  warmupSeconds?: number;
  /** Advance each engine to the wall clock whenever it is scraped (no timers). Default false. */
  wallClock?: boolean;
}

export interface FleetEndpoint {
  instanceId: number;
  role: EngineRole;
  rank: number;
  ip: string;
  port: number;
  engine: SimulatedVllmEngine;
  server: EngineServer;
}

export type RefreshEvent = 'add' | 'del' | 'set' | 'pause' | 'resume';

export interface RefreshEndpoint {
  id: number;
  ip: string;
  business_port: string;
  mgmt_port: string;
}

export interface RefreshInstance {
  job_name: string;
  model_name: string;
  id: number;
  role: EngineRole;
  /** IP → DP rank → endpoint. */
  endpoints: Record<string, Record<string, RefreshEndpoint>>;
}

export interface RefreshBody {
  event: RefreshEvent;
  instances: RefreshInstance[];
}

export interface Fleet {
  readonly modelName: string;
  /** Per instance (spec order), per rank. */
  readonly engines: readonly (readonly FleetEndpoint[])[];
  /** Every endpoint, flat. */
  readonly endpoints: readonly FleetEndpoint[];
  /** The SPEC §2 refresh body for every instance, or only for `ids`. */
  refreshBody(event?: RefreshEvent, ids?: readonly number[]): RefreshBody;
  /** Advances every engine. */
  tick(dtSeconds: number): void;
  close(): Promise<void>;
}

const POD_ADDRESSES = 250;

/** The n-th pod address: 127.0.0.2 … 127.0.0.251, then round again. */
export function podAddress(n: number): string {
  return `127.0.0.${2 + (n % POD_ADDRESSES)}`;
}

interface Placement {
  instance: FleetInstanceSpec;
  rank: number;
  ip: string;
}

function place(spec: FleetSpec): Placement[] {
  const ids = new Set<number>();
  const out: Placement[] = [];
  let pod = 0;
  for (const instance of spec.instances) {
    if (
      !Number.isInteger(instance.id) ||
      instance.id < 0 ||
      ids.has(instance.id)
    ) {
      throw new Error(
        `fleet: instance id ${instance.id} is not a unique integer >= 0`,
      );
    }
    ids.add(instance.id);
    if (!Number.isInteger(instance.dpRanks) || instance.dpRanks < 1) {
      throw new Error(`fleet: instance ${instance.id} needs dpRanks >= 1`);
    }
    const perHost = Math.max(1, instance.ranksPerHost ?? instance.dpRanks);
    for (let rank = 0; rank < instance.dpRanks; rank++) {
      if (!instance.host && rank > 0 && rank % perHost === 0) pod++;
      out.push({ instance, rank, ip: instance.host ?? podAddress(pod) });
    }
    if (!instance.host) pod++;
  }
  return out;
}

export async function startFleet(spec: FleetSpec): Promise<Fleet> {
  const modelName = spec.modelName ?? 'deepseek-ai/DeepSeek-V3';
  const seed = spec.seed ?? 1;
  const placements = place(spec);
  const started = await Promise.allSettled(
    placements.map(
      async ({ instance, rank, ip }, i): Promise<FleetEndpoint> => {
        const engine = new SimulatedVllmEngine({
          modelName,
          engineIndex: rank,
          role: instance.role,
          seed: mixSeed(seed, instance.id, rank),
          startTimeSeconds: spec.startTimeSeconds,
          warmupSeconds: spec.warmupSeconds,
          loadScale: instance.loadScale,
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
          rank,
          ip,
          port: server.port,
          engine,
          server,
        };
      },
    ),
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

  return {
    modelName,
    engines,
    endpoints,
    refreshBody(
      event: RefreshEvent = 'set',
      ids?: readonly number[],
    ): RefreshBody {
      const wanted = ids ? new Set(ids) : undefined;
      const instances = spec.instances
        .map((instance, i) => ({ instance, eps: engines[i] ?? [] }))
        .filter(({ instance }) => !wanted || wanted.has(instance.id))
        .map(({ instance, eps }) => {
          const map: Record<string, Record<string, RefreshEndpoint>> = {};
          for (const e of eps) {
            const port = String(e.port);
            (map[e.ip] ??= {})[String(e.rank)] = {
              id: e.rank,
              ip: e.ip,
              business_port: port,
              mgmt_port: port,
            };
          }
          return {
            job_name: instance.jobName ?? `${instance.role}-${instance.id}`,
            model_name: modelName,
            id: instance.id,
            role: instance.role,
            endpoints: map,
          };
        });
      return { event, instances };
    },
    tick,
    async close() {
      if (timer) clearInterval(timer);
      await Promise.all(endpoints.map((e) => e.server.close()));
    },
  };
}
