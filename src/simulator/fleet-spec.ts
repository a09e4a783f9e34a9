/** What a simulated fleet is made of: its instances and the scenario knobs every engine shares. */
import type { CacheConfig } from './cache-config.js';
import type { CustomBuckets, EngineKind } from './engine-kinds.js';
import type {
  HistorySpec,
  SimulatedVllmEngineOptions,
} from './engine-options.js';
import type { EngineRole } from './vllm-catalogue.js';

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
