/**
 * One simulated engine API server (one data-parallel rank): its state evolves
 * tick by tick like a serving engine's, and it renders the `/metrics` page a
 * real one would write — vLLM V1 by default, or vLLM V0, SGLang or MindIE
 * (`kind`, see engine-kinds.ts). Deterministic for a given seed and start time.
 *
 * Scenario knobs for tests (each changes only what it says):
 * - `frozen`: nothing moves on its own; values change only through
 *   `injectRequests`, `pinGauges`, `restart`, so expectations can be computed
 *   by hand;
 * - `history`: counters pre-loaded as by a long-running process;
 * - `pause()`/`resume()`: quiet traffic, every counter stops;
 * - `injectRequests({count, ttftSeconds: 30, …})`: a burst of requests with
 *   exact values (e.g. slow ones: each lands in one known bucket);
 * - `restart()`: a new process (counters from 0, later start time);
 * - `buckets`: custom bucket layouts (rolling upgrades);
 * - `pinGauges({kvCacheUsage: -1})`: e.g. V0's disabled sentinel;
 * - `cacheConfig` / `maxTotalNumTokens`: the KV capacity the page states.
 * `totals()` is the engine's own ground truth, kind-neutral.
 *
 * Long because it is one state machine (clock, load, pause, pins, restarts,
 * cached page) whose knobs share that private state, and its knob list above
 * is the documented entry point; each job it drives lives in its own module
 * (engine-load, engine-traffic, exact-requests, process-metrics, kind-extras,
 * engine-readouts).
 */
import { DEFAULT_CACHE_CONFIG, type CacheConfig } from './cache-config.js';
import { engineLayouts, type EngineKind } from './engine-kinds.js';
import { drawTraits, setBatchGauges, wanderLoad } from './engine-load.js';
import type {
  PinnedGauges,
  SimulatedVllmEngineOptions,
} from './engine-options.js';
import {
  readSnapshot,
  readTotals,
  type EngineSnapshot,
  type EngineTotals,
} from './engine-readouts.js';
import { TrafficModel } from './engine-traffic.js';
import {
  exactRequests,
  recordExactRequests,
  type InjectSpec,
} from './exact-requests.js';
import { deriveExtras, EXTRA_COUNT } from './kind-extras.js';
import { kindTemplate } from './kind-pages.js';
import type { PageSlots } from './page-slots.js';
import { bootSeconds, startProcess, tickProcess } from './process-metrics.js';
import { renderProjected, type ProjectedTemplate } from './projected-page.js';
import { Prng } from './prng.js';
import {
  lognormalMean,
  ROLE_PROFILES,
  type RoleProfile,
} from './role-profiles.js';
import type { EngineRole } from './vllm-catalogue.js';
import { pageTemplate, renderPage, type PageTemplate } from './vllm-page.js';

export class SimulatedVllmEngine {
  readonly modelName: string;
  readonly engineIndex: number;
  readonly role: EngineRole;
  readonly kind: EngineKind;
  private readonly rng: Prng;
  private readonly profile: RoleProfile;
  private readonly template: PageTemplate;
  private readonly projected: ProjectedTemplate | undefined;
  private readonly slots: PageSlots;
  private readonly values: Float64Array;
  private baseRate: number;
  private readonly speed: number;
  private readonly baseRss: number;
  private readonly cache: CacheConfig;
  private readonly maxTotalNumTokens: number;
  private readonly steady: boolean;
  private readonly frozen: boolean;
  private quiet = false;
  private pins: PinnedGauges = {};
  private lastDt = 0;
  private hitRate = 0;
  private loadScale: number;
  private load = 1;
  private clock: number;
  private restarts = 0;
  private readonly traffic: TrafficModel;
  private page: string | undefined;

  constructor(opts: SimulatedVllmEngineOptions) {
    this.modelName = opts.modelName;
    this.engineIndex = opts.engineIndex;
    this.role = opts.role;
    this.kind = opts.kind ?? 'vllm';
    this.rng = new Prng(opts.seed);
    this.profile = ROLE_PROFILES[opts.role];
    this.cache = { ...DEFAULT_CACHE_CONFIG, ...opts.cacheConfig };
    this.maxTotalNumTokens =
      opts.maxTotalNumTokens ?? this.cache.numGpuBlocks * this.cache.blockSize;
    const layouts = engineLayouts(this.kind, opts.buckets);
    this.template = pageTemplate(
      opts.modelName,
      opts.engineIndex,
      layouts,
      this.cache,
    );
    this.slots = this.template.slots;
    this.projected =
      this.kind === 'vllm'
        ? undefined
        : kindTemplate(
            {
              kind: this.kind,
              modelName: opts.modelName,
              engineIndex: opts.engineIndex,
              slots: this.slots,
              cache: this.cache,
              dpRankLabel: opts.dpRankLabel ?? false,
            },
            layouts.map((l) => l.id).join(','),
          );
    this.values = new Float64Array(this.slots.size + EXTRA_COUNT);
    this.loadScale = opts.loadScale ?? 1;
    this.steady = opts.steadyLoad ?? false;
    this.frozen = opts.frozen ?? false;
    // Per-engine variety: hardware speed and target utilisation.
    const traits = drawTraits(this.rng, this.profile);
    this.speed = traits.speed;
    this.baseRate =
      opts.requestsPerSecond !== undefined
        ? Math.max(0, opts.requestsPerSecond)
        : traits.baseRate;
    this.baseRss = 2.2e9 + Math.round(this.rng.range(0, 6e8));
    this.traffic = new TrafficModel(
      this.values,
      this.slots,
      this.rng,
      this.profile,
      this.speed,
      layouts,
    );
    const warmup = Math.max(0, opts.warmupSeconds ?? 0);
    const boot = bootSeconds(this.rng);
    const start = opts.startTimeSeconds ?? Date.now() / 1000 - boot - warmup;
    this.clock = start;
    this.startProcess(start, boot);
    if (opts.history && opts.history.requests > 0) {
      this.injectRequests({
        count: opts.history.requests,
        promptTokens: opts.history.promptTokensPerRequest,
        generationTokens: opts.history.generationTokensPerRequest,
      });
    }
    if (warmup > 0) this.tick(warmup);
  }

  /** Multiplies the base arrival rate from now on (0 = idle). */
  setLoadScale(scale: number): void {
    this.loadScale = Math.max(0, scale);
  }

  /** The base arrival rate (finished requests per second, before load scale and wander). */
  get requestsPerSecond(): number {
    return this.baseRate;
  }

  /** Sets the base arrival rate (finished requests per second). */
  setRequestsPerSecond(rate: number): void {
    this.baseRate = Math.max(0, rate);
  }

  /** Quiet: no traffic, gauges idle, every counter stops (only the clock moves). */
  pause(): void {
    this.quiet = true;
    const v = this.values;
    v[this.slots.running] = 0;
    v[this.slots.waiting] = 0;
    v[this.slots.kvUsage] = 0;
    this.applyPins();
    this.page = undefined;
  }

  /** Ends `pause()`. */
  resume(): void {
    this.quiet = false;
  }

  get paused(): boolean {
    return this.quiet;
  }

  /** Holds gauges at fixed values (ticks do not move them) until `unpinGauges()`. */
  pinGauges(pins: PinnedGauges): void {
    this.pins = { ...this.pins, ...pins };
    this.applyPins();
    this.page = undefined;
  }

  unpinGauges(): void {
    this.pins = {};
  }

  /**
   * Records `count` finished requests with exact values (defaults in
   * InjectSpec), on top of whatever the traffic does: a burst of slow
   * requests, a hand-computable batch on a frozen engine, a long history.
   */
  injectRequests(spec: InjectSpec): void {
    recordExactRequests(
      this.values,
      this.slots,
      exactRequests(spec, this.profile, this.role),
      this.traffic.last,
    );
    this.noteWork(0);
    this.page = undefined;
  }

  /** The simulated clock (Unix seconds). */
  get clockSeconds(): number {
    return this.clock;
  }

  /** Advances the engine by `dtSeconds` of traffic. */
  tick(dtSeconds: number): void {
    if (!(dtSeconds > 0) || !Number.isFinite(dtSeconds)) return;
    this.clock += dtSeconds;
    if (this.frozen || this.quiet) return;
    const rng = this.rng;
    const p = this.profile;
    const v = this.values;
    const s = this.slots;
    this.page = undefined;

    if (!this.steady) this.load = wanderLoad(this.load, dtSeconds, rng);
    const rate = this.baseRate * this.load * this.loadScale;
    const busy = lognormalMean(p.inferenceTime) * this.speed;
    const util = (rate * busy) / p.capacity;
    const over = Math.max(0, util - 0.85);
    const running = setBatchGauges(v, s, rng, p, util, over, dtSeconds);

    const n = rng.poisson(rate * dtSeconds);
    this.traffic.record(n, running, dtSeconds, {
      utilisation: util,
      congestion: 1 + 20 * over,
    });

    tickProcess(v, s, rng, dtSeconds, util, running, this.baseRss);
    this.applyPins();
    this.noteWork(dtSeconds);
  }

  private applyPins(): void {
    const v = this.values;
    const s = this.slots;
    const pins = this.pins;
    if (pins.running !== undefined) v[s.running] = pins.running;
    if (pins.waiting !== undefined) v[s.waiting] = pins.waiting;
    if (pins.kvCacheUsage !== undefined) v[s.kvUsage] = pins.kvCacheUsage;
  }

  /** Remembers the last work for the derived gauges of other page kinds. */
  private noteWork(dt: number): void {
    this.lastDt = dt;
    const last = this.traffic.last;
    if (last.prefixQueries > 0) {
      this.hitRate = last.prefixHits / last.prefixQueries;
    }
  }

  /** Advances to `nowSeconds` when it is later than the engine's clock. */
  advanceTo(nowSeconds: number): void {
    if (nowSeconds > this.clock) this.tick(nowSeconds - this.clock);
  }

  /**
   * A process restart: counters and histograms start again from 0, gauges
   * drop to idle, `process_start_time_seconds` and `_created` move forward
   * (the clock advances by the downtime and boot time).
   */
  restart(): void {
    this.restarts++;
    this.values.fill(0);
    this.traffic.reset();
    this.hitRate = 0;
    this.lastDt = 0;
    const down = 1 + this.rng.range(0, 4);
    const boot = bootSeconds(this.rng);
    this.startProcess(this.clock + down, boot);
    this.applyPins();
    this.page = undefined;
  }

  /**
   * The `/metrics` page. With `now` (Unix seconds) later than the engine's
   * clock, the engine first advances to it (lazy ticking on scrape).
   */
  render(now?: number): string {
    if (now !== undefined) this.advanceTo(now);
    if (this.page === undefined) {
      if (this.projected) {
        deriveExtras(
          this.values,
          this.slots,
          this.traffic.last,
          this.lastDt,
          this.hitRate,
          this.maxTotalNumTokens,
        );
        this.page = renderProjected(this.projected, this.values);
      } else {
        this.page = renderPage(this.template, this.values);
      }
    }
    return this.page;
  }

  /** The engine's own totals (see EngineTotals), whatever page kind it prints. */
  totals(): EngineTotals {
    return readTotals(
      this,
      this.values,
      this.slots,
      this.restarts,
      this.kind === 'mindie'
        ? null
        : this.kind === 'sglang'
          ? this.maxTotalNumTokens
          : this.cache.numGpuBlocks * this.cache.blockSize,
    );
  }

  snapshot(): EngineSnapshot {
    return readSnapshot(
      this,
      this.values,
      this.slots,
      this.clock,
      this.restarts,
    );
  }

  private startProcess(start: number, boot: number): void {
    const httpCreated = startProcess(
      this.values,
      this.slots,
      this.rng,
      start,
      boot,
      this.baseRss,
    );
    this.clock = Math.max(this.clock, httpCreated);
  }
}
