import type { MetricType } from '../parse/exposition-parser.js';
import {
  parseSeriesText,
  seriesKey,
  type LabelPair,
} from '../parse/label-block.js';
import { formatNumber, parseNumber } from '../parse/parse-number.js';
import {
  guessType,
  semanticsFor,
  type FamilySemantics,
} from './family-semantics.js';
import {
  CANONICAL_FAMILIES,
  CANONICAL_PREFIX_HIT_RATIO,
  DEFAULT_RANK_LABELS,
  DERIVED_HELP,
  DERIVED_PREFIX_HIT_RATE,
  MEAN_SUFFIX,
  QUANTILES,
  type CanonicalFamily,
  type PrefixCachePart,
} from './metric-semantics.js';

/**
 * Interning of everything the pipeline meets, so per-cycle work is integer work:
 * - a *family* per metric name (type, help, semantics);
 * - a *sid* per distinct series text as written on the wire (`name{labels}`), resolved
 *   once into the merged series it feeds (the hot path is one Map lookup per sample);
 * - a *mid* per merged series: family + sample name + canonical (sorted) labels. Rank
 *   labels (R1: `engine`, `dp_rank`, … ) are dropped for merged views and kept for the
 *   `dp` view, so a page with rank labels yields two mids per series; `le` is
 *   normalized numerically;
 * - a *canonical template* per series that also feeds a `motor:` family (§3.2): its
 *   labels without rank labels and without the engine's `model_name`/`name`; the
 *   canonical mid is the template plus the registry's `model_name` of the endpoint.
 * Descriptors are append-only, so an older snapshot can keep reading them.
 */

export const RED_SUM = 0;
export const RED_MEAN = 1;
export const RED_MAX = 2;
export const RED_MIN = 3;
export const RED_FIRST = 4;
const REDUCTION_CODE = {
  sum: RED_SUM,
  mean: RED_MEAN,
  max: RED_MAX,
  min: RED_MIN,
  first: RED_FIRST,
};

export const KIND_PLAIN = 0;
export const KIND_BUCKET = 1;
export const KIND_SUM = 2;
export const KIND_COUNT = 3;
/** A summary's `{quantile="…"}` series: cannot be merged, shown in the `dp` view only. */
export const KIND_QUANTILE = 4;
const KIND_RANK = [0, 0, 1, 2, 0];

export const FLAG_COUNTER = 1;
export const FLAG_SCOPE_DECODE = 2;
export const FLAG_SCOPE_PREFILL = 4;
/** A series ignored on purpose (`*_created`, reserved names): remembered so it costs nothing. */
export const FLAG_DROPPED = 8;
/** A series that states a capacity (R2 weights): `vllm:cache_config_info`, `sglang:max_total_num_tokens`. */
export const FLAG_CAPACITY = 16;
/** A deprecated alias that feeds its canonical family only on pages without the preferred name. */
export const FLAG_ALIAS = 32;

export const MID_PROMPT_TOKENS = 1;
export const MID_GENERATION_TOKENS = 2;
/** A bucket, `_sum` or `_count` of a histogram with quantile gauges. */
export const MID_QUANTILE_SOURCE = 4;
/** Counter-like (S1 accounting): counter, bucket, `_sum`, `_count`. */
export const MID_COUNTER = 8;
/** Read through the quantile window (S3): quantile sources, prefix-cache parts, tokens. */
export const MID_WINDOWED = 16;

/** A sid whose canonical mid for a model is not worked out yet (see `canonTable`). */
export const CANON_UNRESOLVED = -2;

export const SID_INVALID = -1;
export const SID_DROPPED = -2;

/** Distinct series texts remembered at most (protects memory against label churn). */
const MAX_SERIES_TEXTS = 2_000_000;

/**
 * A copy of `s` that does not keep the string it was sliced from alive: a slice of a
 * page would otherwise pin the whole page body in memory for as long as it is interned.
 */
/** Names never exposed as engine families: `*_created` companions and the reserved `motor:*`. */
export function isDroppedName(name: string): boolean {
  return name.endsWith('_created') || name.startsWith('motor:');
}

export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

export interface Family {
  readonly id: number;
  readonly name: string;
  readonly type: MetricType;
  help: string | undefined;
  readonly sem: FamilySemantics;
  /** Computed by the coordinator (quantile gauges, max, hit rate, motor:*). */
  readonly derived: boolean;
  readonly mids: number[];
  /** Series used to keep a declared but empty family visible (value 0), or -1. */
  zeroMid: number;
  /** Derived gauges `_p50`, `_p95`, `_p99`, `_mean` (histograms with quantiles). */
  readonly quantileFamilies: (Family | undefined)[];
  maxFamily: Family | undefined;
  /** `# TYPE x counter` written with `x_total` samples: the family that took them. */
  alias: Family | undefined;
  /** The canonical `motor:` family this engine family feeds (§3.2). */
  canonical: Family | undefined;
  /**
   * A plain family named like a sample of a histogram or summary (`x_sum` beside
   * histogram `x`): the histogram or summary wins, this one is never served.
   */
  clashed: boolean;
}

export interface HistGroup {
  readonly id: number;
  readonly family: Family;
  /** Labels without `le` / `quantile`. */
  readonly labels: readonly LabelPair[];
  readonly buckets: Series[];
  sum: Series | undefined;
  count: Series | undefined;
  readonly quantiles: Series[];
  /** p50, p95, p99, mean series (may hold undefined when a name was taken). */
  readonly derived: (Series | undefined)[];
  /** `buckets` is sorted by bound (sorting is deferred: a page may add thousands at once). */
  sorted: boolean;
  /** The `+Inf` bucket, once seen: the count of sources every other bucket must match (S4). */
  inf: Series | undefined;
  /** Rendering caches, per view index. */
  readonly viewLabels: (readonly LabelPair[] | undefined)[];
  readonly viewJson: (string | undefined)[];
}

export interface Series {
  readonly id: number;
  readonly family: Family;
  readonly name: string;
  /** Canonical labels sorted by name; `le` / `quantile` included for buckets / summary quantiles. */
  readonly labels: readonly LabelPair[];
  readonly kind: number;
  /** `le` of a bucket or `quantile` of a summary series, NaN otherwise. */
  readonly bound: number;
  readonly hist: HistGroup | undefined;
  /** Label printed first (the `quantile` label of derived quantile gauges). */
  readonly lead: LabelPair | undefined;
  readonly reduction: number;
  /** Rendering caches, per view index. */
  readonly viewLabels: (readonly LabelPair[] | undefined)[];
  readonly viewText: (string | undefined)[];
  readonly viewPieces: (SeriesPieces | undefined)[];
  /** OTLP attribute objects of the own (and lead) labels, comma-joined, per view index. */
  readonly viewJson: (string | undefined)[];
}

/** Pieces of a text line: `prefix` + group labels + `suffix` + value, or `bare` + value. */
export interface SeriesPieces {
  /** `name{` and the lead label with its comma, when the group has labels. */
  readonly prefix: string;
  /** `,own="labels"} ` (or `} `), when the group has labels. */
  readonly suffix: string;
  /** The whole head (`name{lead,own} ` or `name `) for a group without labels. */
  readonly bare: string;
  /** All pieces are ASCII (written as latin1, no UTF-8 encoding pass). */
  readonly ascii: boolean;
}

export interface RenderOrder {
  /** Every mid, in render order. */
  readonly mids: Int32Array;
  /** `familyStart[f]..familyStart[f+1]` is the range of family `f` in `mids`. */
  readonly familyStart: Int32Array;
  /** Position of each mid in `mids`. */
  readonly rank: Int32Array;
}

export interface PrefixPair {
  readonly index: number;
  readonly parts: Partial<Record<PrefixCachePart, number>>;
  readonly rate: number;
}

/** A series that also feeds a canonical family, before the registry's `model_name` is added. */
export interface CanonicalTemplate {
  readonly family: Family;
  readonly name: string;
  readonly labels: readonly LabelPair[];
  readonly kind: number;
  readonly bound: number;
  /** A family whose presence on the same page disables this feed (a deprecated alias). */
  readonly unlessPageHas: string | undefined;
}

export interface CatalogOptions {
  /** R1 rank labels, removed before merging. */
  readonly rankLabels?: readonly string[];
}

export const MOTOR = {
  configured: 'motor:endpoints_configured',
  scraped: 'motor:endpoints_scraped',
  duration: 'motor:scrape_duration_seconds',
  up: 'motor:endpoint_up',
  lastSuccess: 'motor:endpoint_last_success_timestamp_seconds',
  prefillWorkers: 'motor:active_prefill_workers',
  decodeWorkers: 'motor:active_decode_workers',
  unionWorkers: 'motor:active_union_workers',
  promptRate: 'motor:prompt_tokens_per_second',
  generationRate: 'motor:generation_tokens_per_second',
  layoutMismatch: 'motor:histogram_layout_mismatch',
  pdTtft: 'motor:pd_time_to_first_token_mean_seconds',
} as const;
export type MotorMetric = keyof typeof MOTOR;

const MOTOR_HELP: Record<MotorMetric, string> = {
  configured: 'Endpoints configured (registered instances) in this view group.',
  scraped:
    'Endpoints that answered this cycle with at least one parsable sample.',
  duration:
    'Time from the start of the scrape cycle to the last answer of this view group.',
  up: '1 when the endpoint answered this cycle with at least one parsable sample, else 0.',
  lastSuccess:
    'Unix time of the last successful scrape of the endpoint (0 when never).',
  prefillWorkers: 'Registered, not paused prefill instances.',
  decodeWorkers: 'Registered, not paused decode instances.',
  unionWorkers: 'Registered, not paused union instances.',
  promptRate:
    'Prompt tokens per second (motor:prompt_tokens_total, prefill side in full) over the quantile window, by registry model.',
  generationRate:
    'Generation tokens per second (motor:generation_tokens_total, decode side in full) over the quantile window, by registry model.',
  layoutMismatch:
    '1 for a histogram family whose sources had different bucket boundaries this cycle: only the shared boundaries were merged.',
  pdTtft:
    'Estimated time to first token a user sees in a PD cluster: windowed mean prefill e2e latency + windowed mean decode TTFT, by registry model.',
};

const HIST_SUFFIXES: readonly [string, number][] = [
  ['_bucket', KIND_BUCKET],
  ['_sum', KIND_SUM],
  ['_count', KIND_COUNT],
];
const SUMMARY_SUFFIXES: readonly [string, number][] = [
  ['_sum', KIND_SUM],
  ['_count', KIND_COUNT],
];

const byName = (a: LabelPair, b: LabelPair): number =>
  a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;

/** `le` / `quantile` values normalized numerically so `0.1`, `0.10` and `1e-1` merge. */
function normalizeBound(text: string): number | undefined {
  return parseNumber(text.trim(), 0, text.trim().length);
}

export class SeriesCatalog {
  readonly families: Family[] = [];
  readonly series: Series[] = [];
  readonly histGroups: HistGroup[] = [];
  readonly prefixPairs: PrefixPair[] = [];
  readonly templates: CanonicalTemplate[] = [];
  /** Registry model names, interned: index → name. */
  readonly models: string[] = [];
  readonly motor: Record<MotorMetric, number>;
  readonly motorFamilies: Record<MotorMetric, Family>;

  private readonly rankLabels: ReadonlySet<string>;
  private readonly familyByName = new Map<string, Family>();
  private readonly seriesByKey = new Map<string, number>();
  private readonly histByKey = new Map<string, HistGroup>();
  private readonly prefixByKey = new Map<string, PrefixPair>();
  private readonly sidByText = new Map<string, number>();
  /** Canonical identity (name + labels sorted) → sid. */
  private readonly sidByKey = new Map<string, number>();
  private readonly templateByKey = new Map<string, number>();
  private readonly canonicalByKey = new Map<number, number>();
  private readonly modelIndex = new Map<string, number>();
  private readonly labeledMotor = new Map<string, number>();
  /** Per model index: sid → canonical mid (-1 none, CANON_UNRESOLVED not worked out yet). */
  private readonly canonTables: Int32Array[] = [];

  /** Per sid: merged mid (-1: not in merged views), dp mid, canonical template (-1), flags. */
  sidMid = new Int32Array(1024);
  sidDpMid = new Int32Array(1024);
  sidTemplate = new Int32Array(1024);
  sidFlags = new Uint8Array(1024);
  /** Per sid: the series text as written (for positional matching of the next page). */
  readonly sidText: string[] = [];
  /** Per sid: its rank labels as text (`engine="0"`), the key that matches a capacity (R2). */
  readonly sidRankKey: string[] = [];
  sidCount = 0;
  /** Per mid: reduction code, family id, histogram group id (-1), prefix pair index (-1), MID_* flags, max companion (-1), registry model (-1). */
  midReduction = new Uint8Array(1024);
  midFamily = new Int32Array(1024);
  midHist = new Int32Array(1024);
  midPair = new Int32Array(1024);
  midFlags = new Uint8Array(1024);
  midMax = new Int32Array(1024);
  midModel = new Int32Array(1024);

  private orderCache: RenderOrder | undefined;

  constructor(options: CatalogOptions = {}) {
    this.rankLabels = new Set(options.rankLabels ?? DEFAULT_RANK_LABELS);
    const motor = {} as Record<MotorMetric, number>;
    const motorFamilies = {} as Record<MotorMetric, Family>;
    for (const key of Object.keys(MOTOR) as MotorMetric[]) {
      const f = this.newFamily(MOTOR[key], 'gauge', MOTOR_HELP[key], true, {
        reduction: 'sum',
        scope: 'all',
        quantiles: false,
      });
      motorFamilies[key] = f;
      motor[key] = this.internSeries(f, f.name, [], KIND_PLAIN, NaN, undefined);
    }
    this.motor = motor;
    this.motorFamilies = motorFamilies;
  }

  get seriesCount(): number {
    return this.series.length;
  }

  /** Series text → sid, without resolving (hot path). */
  lookup(text: string): number | undefined {
    return this.sidByText.get(text);
  }

  familyByNameOrUndefined(name: string): Family | undefined {
    return this.familyByName.get(name);
  }

  /** The index of a registry model name (interned). */
  model(name: string): number {
    let index = this.modelIndex.get(name);
    if (index === undefined) {
      index = this.models.length;
      this.models.push(name);
      this.modelIndex.set(name, index);
    }
    return index;
  }

  /** A series of one of the coordinator's own gauges with labels (`model_name`, `family`). */
  motorSeries(key: MotorMetric, labels: readonly LabelPair[]): number {
    const k = `${key}|${JSON.stringify(labels)}`;
    let mid = this.labeledMotor.get(k);
    if (mid === undefined) {
      const f = this.motorFamilies[key];
      mid = this.internSeries(f, f.name, labels, KIND_PLAIN, NaN, undefined);
      this.labeledMotor.set(k, mid);
    }
    return mid;
  }

  /**
   * The family a `# TYPE` / `# HELP` line declares, created on first sight. Undefined for
   * dropped names (`*_created`, `motor:*`, names the coordinator computes itself).
   */
  declare(
    name: string,
    type: MetricType | undefined,
    help?: string,
  ): Family | undefined {
    if (isDroppedName(name)) return undefined;
    const existing = this.familyByName.get(name);
    if (existing) {
      if (existing.derived || existing.clashed) return undefined;
      if (help !== undefined) existing.help ??= detach(help);
      return existing;
    }
    const t = type ?? guessType(name) ?? 'untyped';
    if (this.componentOf(name, t)) return undefined;
    const family = this.newFamily(name, t, help, false, semanticsFor(name, t));
    if (t === 'histogram' || t === 'summary') this.retireClashes(family);
    this.addDerivedFamilies(family);
    if (family.sem.canonical) {
      family.canonical = this.canonicalFamily(family.sem.canonical.family);
    }
    return family;
  }

  /**
   * Whether a plain family `name` would print a histogram's or summary's sample name
   * (`x_bucket`, `x_sum`, `x_count` of histogram `x`; `s_sum`, `s_count` of summary `s`).
   * The stated rule: the histogram or summary wins, whichever engine came first.
   */
  componentOf(name: string, type: MetricType | undefined): boolean {
    if (type === 'histogram' || type === 'summary') return false;
    for (const [suffix, kind] of HIST_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const base = this.familyByName.get(name.slice(0, -suffix.length));
      if (!base || base.derived) continue;
      if (base.type === 'histogram') return true;
      if (base.type === 'summary' && kind !== KIND_BUCKET) return true;
    }
    return false;
  }

  /** A histogram or summary arrives after plain families named like its samples: they yield. */
  private retireClashes(family: Family): void {
    const suffixes =
      family.type === 'histogram' ? HIST_SUFFIXES : SUMMARY_SUFFIXES;
    for (const [suffix] of suffixes) {
      const plain = this.familyByName.get(family.name + suffix);
      if (!plain || plain.derived || plain.clashed) continue;
      plain.clashed = true;
      // Its series texts resolve anew (as the histogram's samples where a page says so).
      for (let sid = 0; sid < this.sidCount; sid++) {
        const mid = this.sidDpMid[sid]!;
        if (mid < 0 || this.midFamily[mid] !== plain.id) continue;
        this.sidFlags[sid] = FLAG_DROPPED;
        const text = this.sidText[sid];
        if (text !== undefined) {
          this.sidByText.delete(text);
          const parsed = parseSeriesText(text);
          if (typeof parsed !== 'string')
            this.sidByKey.delete(seriesKey(parsed));
          this.sidText[sid] = '';
        }
      }
    }
  }

  /**
   * Resolves a series text seen for the first time, in the context of the family the page
   * last declared. Returns a sid, SID_INVALID (bad line) or SID_DROPPED (ignored on purpose).
   */
  resolve(
    text: string,
    context: Family | undefined,
    pendingHelpName?: string,
    pendingHelp?: string,
  ): number {
    if (this.sidByText.size >= MAX_SERIES_TEXTS) return SID_INVALID;
    const flat = detach(text);
    // The same series written with its labels in another order is the same series:
    // one sid, so a page that writes it twice has a repeat (the first one wins).
    const parsed = parseSeriesText(flat);
    const key = typeof parsed === 'string' ? undefined : seriesKey(parsed);
    const same = key === undefined ? undefined : this.sidByKey.get(key);
    if (same !== undefined) {
      this.sidByText.set(flat, same);
      return same;
    }
    let sid = this.resolveUncached(flat, context, pendingHelpName, pendingHelp);
    if (key !== undefined && sid >= 0) this.sidByKey.set(key, sid);
    if (sid === SID_DROPPED) sid = this.allocSid(-1, -1, -1, FLAG_DROPPED);
    if (sid >= 0) this.sidText[sid] = flat;
    this.sidByText.set(flat, sid);
    return sid;
  }

  private resolveUncached(
    text: string,
    context: Family | undefined,
    pendingHelpName: string | undefined,
    pendingHelp: string | undefined,
  ): number {
    const parsed = parseSeriesText(text);
    if (typeof parsed === 'string') return SID_INVALID;
    const { name } = parsed;
    if (isDroppedName(name)) return SID_DROPPED;
    let family: Family | undefined;
    let kind = KIND_PLAIN;
    const match = (f: Family): number | undefined => {
      if (f.type === 'histogram') {
        for (const [suffix, k] of HIST_SUFFIXES)
          if (name === f.name + suffix) return k;
        return undefined;
      }
      if (name === f.name)
        return f.type === 'summary' ? KIND_QUANTILE : KIND_PLAIN;
      if (f.type === 'summary') {
        for (const [suffix, k] of SUMMARY_SUFFIXES)
          if (name === f.name + suffix) return k;
      }
      return undefined;
    };
    if (context) {
      const k = match(context);
      if (k !== undefined) {
        family = context;
        kind = k;
      } else if (
        context.type === 'counter' &&
        name === `${context.name}_total`
      ) {
        // `# TYPE x counter` followed by `x_total` samples: expose as the family `x_total`.
        family = this.declare(name, 'counter', context.help);
        if (!family) return SID_DROPPED;
        context.alias = family;
      }
    }
    if (!family) {
      const exact = this.familyByName.get(name);
      if (exact && exact.type !== 'histogram') {
        if (exact.derived) return SID_DROPPED;
        if (exact.clashed) return SID_INVALID;
        family = exact;
        kind = match(exact) ?? KIND_PLAIN;
      } else {
        for (const [suffix] of HIST_SUFFIXES) {
          if (!name.endsWith(suffix)) continue;
          const base = this.familyByName.get(name.slice(0, -suffix.length));
          const k = base && !base.derived ? match(base) : undefined;
          if (base && k !== undefined) {
            family = base;
            kind = k;
          }
        }
      }
    }
    if (!family) {
      family = this.declare(
        name,
        undefined,
        pendingHelpName === name ? pendingHelp : undefined,
      );
      if (!family) return SID_DROPPED;
      if (family.type === 'histogram') return SID_INVALID; // a bare histogram name is no sample
      kind = match(family) ?? KIND_PLAIN;
    }

    // Split off `le` / `quantile`; rank labels (R1) stay only in the `dp` variant.
    let bound = NaN;
    const base: LabelPair[] = [];
    const rank: LabelPair[] = [];
    const boundLabel =
      kind === KIND_BUCKET ? 'le' : kind === KIND_QUANTILE ? 'quantile' : '';
    for (const pair of parsed.labels) {
      if (pair[0] === boundLabel) {
        const b = normalizeBound(pair[1]);
        if (b === undefined || Number.isNaN(b)) return SID_INVALID;
        bound = b;
      } else {
        if (this.rankLabels.has(pair[0])) rank.push(pair);
        base.push(pair);
      }
    }
    if (boundLabel !== '' && Number.isNaN(bound)) return SID_INVALID;
    base.sort(byName);
    const merged =
      rank.length > 0 ? base.filter((p) => !this.rankLabels.has(p[0])) : base;

    const mid =
      kind === KIND_QUANTILE
        ? -1
        : this.componentSeries(family, name, merged, kind, bound);
    const dpMid =
      rank.length > 0 || mid < 0
        ? this.componentSeries(family, name, base, kind, bound)
        : mid;

    if (family.sem.prefixCache && kind === KIND_PLAIN) {
      this.notePrefixPart(family.sem.prefixCache, merged, mid, undefined);
      if (dpMid !== mid)
        this.notePrefixPart(family.sem.prefixCache, base, dpMid, undefined);
    }

    let flags = 0;
    if (
      family.type === 'counter' ||
      kind === KIND_BUCKET ||
      kind === KIND_SUM ||
      kind === KIND_COUNT
    ) {
      flags |= FLAG_COUNTER;
    }
    if (family.sem.scope === 'decode') flags |= FLAG_SCOPE_DECODE;
    if (family.sem.scope === 'prefill') flags |= FLAG_SCOPE_PREFILL;
    if (family.sem.capacity && kind === KIND_PLAIN) flags |= FLAG_CAPACITY;
    if (family.sem.canonical?.unlessPageHas && kind !== KIND_QUANTILE)
      flags |= FLAG_ALIAS;

    const template =
      family.canonical && kind !== KIND_QUANTILE
        ? this.canonicalTemplate(family, name, merged, kind, bound)
        : -1;
    const sid = this.allocSid(mid, dpMid, template, flags);
    rank.sort(byName);
    this.sidRankKey[sid] =
      rank.length > 0 ? rank.map(([n, v]) => `${n}=${v}`).join(',') : '';
    return sid;
  }

  private allocSid(
    mid: number,
    dpMid: number,
    template: number,
    flags: number,
  ): number {
    const sid = this.sidCount++;
    if (sid >= this.sidMid.length) this.growSids();
    this.sidMid[sid] = mid;
    this.sidDpMid[sid] = dpMid;
    this.sidTemplate[sid] = template;
    this.sidFlags[sid] = flags;
    return sid;
  }

  /** The template of the canonical series an engine series feeds. */
  private canonicalTemplate(
    family: Family,
    name: string,
    merged: readonly LabelPair[],
    kind: number,
    bound: number,
  ): number {
    const target = family.canonical!;
    const feed = family.sem.canonical!;
    const labels: LabelPair[] = merged.filter(
      ([n]) => n !== 'model_name' && n !== 'name',
    );
    for (const pair of feed.addLabels ?? []) {
      if (!labels.some(([n]) => n === pair[0])) labels.push([pair[0], pair[1]]);
    }
    labels.sort(byName);
    const suffix =
      target.type === 'histogram' ? name.slice(family.name.length) : '';
    const sampleName = target.name + suffix;
    const key = JSON.stringify([target.id, sampleName, labels, bound]);
    let index = this.templateByKey.get(key);
    if (index === undefined) {
      index = this.templates.length;
      this.templates.push({
        family: target,
        name: sampleName,
        labels,
        kind,
        bound,
        unlessPageHas: feed.unlessPageHas,
      });
      this.templateByKey.set(key, index);
    }
    return index;
  }

  /**
   * The sid → canonical mid table of one registry model, covering every sid so far.
   * Sids are shared by every endpoint whose page writes the same series text, so one
   * table per model costs 4 bytes per distinct series, not per endpoint entry.
   */
  canonTable(model: number): Int32Array {
    let table = this.canonTables[model];
    if (!table || table.length < this.sidCount) {
      const grown = new Int32Array(Math.max(1024, this.sidMid.length));
      grown.fill(CANON_UNRESOLVED);
      if (table) grown.set(table);
      this.canonTables[model] = table = grown;
    }
    return table;
  }

  /** The canonical mid of a template for one registry model (interned on first use). */
  canonicalMid(template: number, model: number): number {
    const key = template * 65536 + model;
    let mid = this.canonicalByKey.get(key);
    if (mid !== undefined) return mid;
    const t = this.templates[template]!;
    const modelName = this.models[model] ?? '';
    const labels =
      modelName === ''
        ? t.labels
        : [...t.labels, ['model_name', modelName] as LabelPair].sort(byName);
    mid = this.componentSeries(t.family, t.name, labels, t.kind, t.bound);
    if (t.family.sem.prefixCache && t.kind === KIND_PLAIN) {
      this.notePrefixPart(
        t.family.sem.prefixCache,
        labels,
        mid,
        CANONICAL_PREFIX_HIT_RATIO,
      );
    }
    this.midModel[mid] = model;
    this.canonicalByKey.set(key, mid);
    return mid;
  }

  /**
   * The mid of a series given by identity (family, sample name, labels without `le` /
   * `quantile`, kind, bound): how a newer catalog adopts an older one's ids.
   */
  seriesOf(
    family: Family,
    name: string,
    labels: readonly LabelPair[],
    kind: number,
    bound: number,
  ): number {
    const mid = this.componentSeries(family, name, labels, kind, bound);
    // A canonical series names its registry model: token rates are per model.
    if (family.derived && this.midModel[mid] === -1) {
      const model = labels.find(([n]) => n === 'model_name')?.[1];
      if (model !== undefined) this.midModel[mid] = this.model(model);
    }
    return mid;
  }

  /** A mid of a family, plus its histogram / summary group bookkeeping. */
  private componentSeries(
    family: Family,
    name: string,
    labels: readonly LabelPair[],
    kind: number,
    bound: number,
  ): number {
    let hist: HistGroup | undefined;
    if (family.type === 'histogram' || family.type === 'summary') {
      hist = this.histGroup(family, labels);
    }
    const full =
      kind === KIND_BUCKET
        ? [...labels, ['le', formatNumber(bound)] as LabelPair].sort(byName)
        : kind === KIND_QUANTILE
          ? [...labels, ['quantile', formatNumber(bound)] as LabelPair].sort(
              byName,
            )
          : labels;
    const before = this.series.length;
    const mid = this.internSeries(family, name, full, kind, bound, hist);
    if (hist && this.series.length > before) {
      const s = this.series[mid]!;
      if (kind === KIND_BUCKET || kind === KIND_QUANTILE) {
        const list = kind === KIND_BUCKET ? hist.buckets : hist.quantiles;
        const last = list[list.length - 1];
        if (last && last.bound > s.bound) hist.sorted = false;
        list.push(s);
        if (kind === KIND_BUCKET && s.bound === Infinity) hist.inf = s;
      } else if (kind === KIND_SUM) hist.sum = s;
      else if (kind === KIND_COUNT) hist.count = s;
    }
    if (kind === KIND_PLAIN && family.maxFamily) {
      this.midMax[mid] = this.internSeries(
        family.maxFamily,
        family.maxFamily.name,
        labels,
        KIND_PLAIN,
        NaN,
        undefined,
      );
    }
    return mid;
  }

  /** Buckets (and summary quantiles) of a group in bound order, sorted once when needed. */
  sortedBuckets(g: HistGroup): readonly Series[] {
    if (!g.sorted) {
      g.buckets.sort((a, b) => a.bound - b.bound);
      g.quantiles.sort((a, b) => a.bound - b.bound);
      g.sorted = true;
    }
    return g.buckets;
  }

  private histGroup(family: Family, labels: readonly LabelPair[]): HistGroup {
    const key = JSON.stringify([family.id, labels]);
    let g = this.histByKey.get(key);
    if (g) return g;
    g = {
      id: this.histGroups.length,
      family,
      labels,
      buckets: [],
      sum: undefined,
      count: undefined,
      quantiles: [],
      derived: [],
      sorted: true,
      inf: undefined,
      viewLabels: [],
      viewJson: [],
    };
    this.histByKey.set(key, g);
    this.histGroups.push(g);
    if (family.sem.quantiles && family.type === 'histogram') {
      for (let i = 0; i < family.quantileFamilies.length; i++) {
        const qf = family.quantileFamilies[i];
        const q = QUANTILES[i];
        if (!qf) {
          g.derived.push(undefined);
          continue;
        }
        const lead: LabelPair | undefined = q
          ? ['quantile', String(q.q)]
          : undefined;
        const mid = this.internSeries(
          qf,
          qf.name,
          labels,
          KIND_PLAIN,
          NaN,
          undefined,
          lead,
        );
        g.derived.push(this.series[mid]);
      }
    }
    return g;
  }

  private notePrefixPart(
    part: PrefixCachePart | 'hits' | 'queries',
    labels: readonly LabelPair[],
    mid: number,
    rateName: string | undefined,
  ): void {
    const rateFamily = this.familyByName.get(
      rateName ?? DERIVED_PREFIX_HIT_RATE,
    );
    if (!rateFamily?.derived) return;
    const key = JSON.stringify([rateFamily.id, labels]);
    let pair = this.prefixByKey.get(key);
    if (!pair) {
      const rate = this.internSeries(
        rateFamily,
        rateFamily.name,
        labels,
        KIND_PLAIN,
        NaN,
        undefined,
      );
      pair = { index: this.prefixPairs.length, parts: {}, rate };
      this.prefixByKey.set(key, pair);
      this.prefixPairs.push(pair);
    }
    const slot: PrefixCachePart =
      part === 'hits' ? 'v1_hits' : part === 'queries' ? 'v1_queries' : part;
    (pair.parts as Record<string, number>)[slot] = mid;
    this.midPair[mid] = pair.index;
    this.midFlags[mid] = this.midFlags[mid]! | MID_WINDOWED;
  }

  internSeries(
    family: Family,
    name: string,
    labels: readonly LabelPair[],
    kind: number,
    bound: number,
    hist: HistGroup | undefined,
    lead?: LabelPair,
  ): number {
    const key = JSON.stringify([family.id, name, labels, lead ?? null]);
    const known = this.seriesByKey.get(key);
    if (known !== undefined) return known;
    const id = this.series.length;
    const reduction =
      family.type === 'histogram' || family.type === 'summary'
        ? RED_SUM
        : REDUCTION_CODE[family.sem.reduction];
    this.series.push({
      id,
      family,
      name,
      labels,
      kind,
      bound,
      hist,
      lead,
      reduction,
      viewLabels: [],
      viewText: [],
      viewPieces: [],
      viewJson: [],
    });
    this.seriesByKey.set(key, id);
    family.mids.push(id);
    if (id >= this.midReduction.length) this.growMids();
    this.midReduction[id] = reduction;
    this.midFamily[id] = family.id;
    this.midHist[id] = hist ? hist.id : -1;
    this.midPair[id] = -1;
    this.midMax[id] = -1;
    this.midModel[id] = -1;
    let flags = 0;
    const canonical = family.derived && family.name.startsWith('motor:');
    if (canonical && family.type === 'counter') {
      if (family.sem.tokens === 'prompt') flags |= MID_PROMPT_TOKENS;
      if (family.sem.tokens === 'generation') flags |= MID_GENERATION_TOKENS;
    }
    if (hist && family.type === 'histogram' && family.sem.quantiles)
      flags |= MID_QUANTILE_SOURCE;
    if (
      family.type === 'counter' ||
      kind === KIND_BUCKET ||
      kind === KIND_SUM ||
      kind === KIND_COUNT
    )
      flags |= MID_COUNTER;
    if (
      flags &
      (MID_PROMPT_TOKENS | MID_GENERATION_TOKENS | MID_QUANTILE_SOURCE)
    )
      flags |= MID_WINDOWED;
    this.midFlags[id] = flags;
    this.orderCache = undefined;
    return id;
  }

  private newFamily(
    name: string,
    type: MetricType,
    help: string | undefined,
    derived: boolean,
    sem: FamilySemantics,
  ): Family {
    const family: Family = {
      id: this.families.length,
      name: detach(name),
      type,
      help: help === undefined ? undefined : detach(help),
      sem,
      derived,
      mids: [],
      zeroMid: -1,
      quantileFamilies: [],
      maxFamily: undefined,
      alias: undefined,
      canonical: undefined,
      clashed: false,
    };
    this.families.push(family);
    this.familyByName.set(family.name, family);
    this.orderCache = undefined;
    if (
      !derived &&
      (type === 'counter' || type === 'gauge' || type === 'untyped')
    ) {
      if (sem.reduction !== 'first') {
        family.zeroMid = this.internSeries(
          family,
          name,
          [],
          KIND_PLAIN,
          NaN,
          undefined,
        );
      }
    }
    return family;
  }

  /** The canonical family of §3.2 (and its quantile, max and ratio companions), created once. */
  private canonicalFamily(name: string): Family | undefined {
    const existing = this.familyByName.get(name);
    if (existing) return existing.derived ? existing : undefined;
    const spec: CanonicalFamily | undefined = CANONICAL_FAMILIES.find(
      (f) => f.name === name,
    );
    if (!spec) return undefined;
    const family = this.newFamily(name, spec.type, spec.help, true, {
      reduction: spec.reduction,
      scope: spec.scope,
      quantiles: spec.quantiles,
      maxInto: spec.maxInto,
      tokens: spec.tokens,
      prefixCache:
        spec.prefixCache === 'hits'
          ? 'v1_hits'
          : spec.prefixCache === 'queries'
            ? 'v1_queries'
            : undefined,
    });
    this.addDerivedFamilies(family);
    if (spec.prefixCache) this.canonicalFamily(CANONICAL_PREFIX_HIT_RATIO);
    return family;
  }

  private derivedFamily(
    name: string,
    help: string,
    reduction: 'sum' | 'max',
  ): Family | undefined {
    const existing = this.familyByName.get(name);
    if (existing) return existing.derived ? existing : undefined;
    return this.newFamily(name, 'gauge', help, true, {
      reduction,
      scope: 'all',
      quantiles: false,
    });
  }

  private addDerivedFamilies(family: Family): void {
    const { sem } = family;
    if (sem.quantiles && family.type === 'histogram') {
      for (const q of QUANTILES) {
        family.quantileFamilies.push(
          this.derivedFamily(
            family.name + q.suffix,
            `${q.q * 100}th percentile of ${family.name} over the quantile window, interpolated from the increase of the merged buckets like histogram_quantile().`,
            'sum',
          ),
        );
      }
      family.quantileFamilies.push(
        this.derivedFamily(
          family.name + MEAN_SUFFIX,
          `Mean of ${family.name} over the quantile window: Δ_sum / Δ_count of the merged series.`,
          'sum',
        ),
      );
    }
    if (sem.maxInto) {
      family.maxFamily = this.derivedFamily(
        sem.maxInto,
        DERIVED_HELP[sem.maxInto] ?? '',
        'max',
      );
    }
    if (sem.prefixCache && !family.derived) {
      this.derivedFamily(
        DERIVED_PREFIX_HIT_RATE,
        DERIVED_HELP[DERIVED_PREFIX_HIT_RATE]!,
        'sum',
      );
    }
  }

  private growMids(): void {
    const n = this.midReduction.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const grow8 = (a: Uint8Array) => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.midReduction = grow8(this.midReduction);
    this.midFlags = grow8(this.midFlags);
    this.midFamily = grow32(this.midFamily);
    this.midHist = grow32(this.midHist);
    this.midPair = grow32(this.midPair);
    this.midMax = grow32(this.midMax);
    this.midModel = grow32(this.midModel);
  }

  private growSids(): void {
    const n = this.sidMid.length * 2;
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.sidMid = grow32(this.sidMid);
    this.sidDpMid = grow32(this.sidDpMid);
    this.sidTemplate = grow32(this.sidTemplate);
    const flags = new Uint8Array(n);
    flags.set(this.sidFlags);
    this.sidFlags = flags;
  }

  /** All mids in render order: family, histogram group, bucket/quantile bound, `_sum`, `_count`. */
  renderOrder(): RenderOrder {
    if (this.orderCache) return this.orderCache;
    const series = this.series;
    const mids = Int32Array.from(series, (s) => s.id).sort((a, b) => {
      const sa = series[a]!;
      const sb = series[b]!;
      return (
        sa.family.id - sb.family.id ||
        (sa.hist?.id ?? -1) - (sb.hist?.id ?? -1) ||
        KIND_RANK[sa.kind]! - KIND_RANK[sb.kind]! ||
        (sa.kind === KIND_BUCKET || sa.kind === KIND_QUANTILE
          ? sa.bound - sb.bound
          : 0) ||
        a - b
      );
    });
    const familyStart = new Int32Array(this.families.length + 1);
    let f = 0;
    for (let i = 0; i < mids.length; i++) {
      const fid = series[mids[i]!]!.family.id;
      while (f <= fid) familyStart[f++] = i;
    }
    while (f <= this.families.length) familyStart[f++] = mids.length;
    const rank = new Int32Array(mids.length);
    for (let i = 0; i < mids.length; i++) rank[mids[i]!] = i;
    this.orderCache = { mids, familyStart, rank };
    return this.orderCache;
  }
}
