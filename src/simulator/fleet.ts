/**
 * A fleet of simulated engine instances on loopback: one engine server per DP
 * rank, instances spread over 127.0.0.2, 127.0.0.3, … like pods, plus the
 * `POST /instances/refresh` body that registers them with the coordinator.
 *
 * Load is per model and PD-coupled, as in a real PD cluster: every request of
 * a model goes through one prefill and one decode engine (or one union
 * engine), so the prefill side and the decode side finish the same number of
 * requests per second, with the same prompt lengths. Within a side, requests
 * are split in proportion to each engine's weight (its seeded capacity share
 * by default, or equal with `requestsPerSecond`, times the instance's
 * `loadScale`).
 */
import type { CustomBuckets, EngineKind } from './engine-kinds.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { mixSeed } from './prng.js';
import { lognormalMean, ROLE_PROFILES } from './role-profiles.js';
import type { EngineRole } from './vllm-catalogue.js';
import type { CacheConfig } from './vllm-page.js';
import {
  seededArrivalRate,
  SimulatedVllmEngine,
  type HistorySpec,
  type SimulatedVllmEngineOptions,
} from './vllm-engine.js';

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
  /** Weight of this instance's engines in their side's share of the model's load. Default 1. */
  loadScale?: number;
  /** Served model (`model_name` label and refresh body). Default: the fleet's `modelName`. */
  modelName?: string;
  /** Page shape of its engines. Default: the fleet's `kind`, else `vllm`. */
  kind?: EngineKind;
  /** Custom bucket layouts of its engines (e.g. a rolling upgrade). */
  buckets?: CustomBuckets;
  /** vLLM `cache_config_info` capacity of its engines. */
  cacheConfig?: Partial<CacheConfig>;
  /** SGLang `max_total_num_tokens` of its engines. */
  maxTotalNumTokens?: number;
  /** SGLang: `dp_rank` label (= the rank) on its engines' series. */
  dpRankLabel?: boolean;
  /** Counters pre-loaded as after a long life, on every rank. */
  history?: HistorySpec;
  /** Any other engine option, for every rank of the instance. */
  engineOptions?: Partial<
    Omit<
      SimulatedVllmEngineOptions,
      'modelName' | 'engineIndex' | 'role' | 'seed'
    >
  >;
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
  /** Default page shape of every instance. Default `vllm`. */
  kind?: EngineKind;
  /**
   * Requests per second of each model (a number: every model), split over
   * its engines as described above; engines then keep a steady load (no
   * wander). Default: the decode side's seeded capacity share, with wander.
   */
  requestsPerSecond?: number | Readonly<Record<string, number>>;
  /** Every engine frozen: values change only through explicit calls. Default false. */
  frozen?: boolean;
}

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

/**
 * Arrival rate of every placement: per model, R requests per second through
 * the union side and the PD side (split by weight), the PD share on both its
 * prefill and its decode side.
 */
function arrivalRates(
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
    },
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
            model_name: instance.modelName ?? modelName,
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
