/*
 * Longer than 300 lines on purpose: one class, because resolving a series text
 * declares families, declaring a family interns its series and derived families,
 * and a late histogram retires sids already resolved; all of it reads and writes
 * the same lookup maps and per-sid / per-mid tables. What needs none of that state
 * lives beside it: series-names.ts, series-codes.ts, derived-families.ts,
 * canonical-series.ts, render-order.ts, motor-metrics.ts.
 */
import type { MetricType } from '../parse/exposition-parser.js';
import {
  parseSeriesText,
  seriesKey,
  type LabelPair,
} from '../parse/label-block.js';
import {
  guessType,
  semanticsFor,
  type FamilySemantics,
} from './family-semantics.js';
import {
  canonicalSemantics,
  canonicalSpec,
  grownCanonTable,
  templateLabels,
  templateSampleName,
  withModelName,
} from './canonical-series.js';
import type {
  CanonicalTemplate,
  CatalogOptions,
  Family,
  HistGroup,
  PrefixPair,
  Series,
} from './catalog.types.js';
import {
  derivedSemantics,
  hitRateGauge,
  maxGauge,
  quantileGauges,
  quantileLead,
  type DerivedGauge,
} from './derived-families.js';
import {
  CANONICAL_PREFIX_HIT_RATIO,
  DEFAULT_RANK_LABELS,
  DERIVED_PREFIX_HIT_RATE,
  type PrefixCachePart,
} from './metric-semantics.js';
import { MOTOR, MOTOR_HELP, type MotorMetric } from './motor-metrics.js';
import { renderOrderOf, type RenderOrder } from './render-order.js';
import {
  FLAG_DROPPED,
  KIND_BUCKET,
  KIND_COUNT,
  KIND_PLAIN,
  KIND_QUANTILE,
  KIND_SUM,
  MID_WINDOWED,
  RED_SUM,
  REDUCTION_CODE,
  SID_DROPPED,
  SID_INVALID,
  midFlagsOf,
  sidFlagsOf,
} from './series-codes.js';
import {
  HIST_SUFFIXES,
  SUMMARY_SUFFIXES,
  detach,
  isComponentName,
  isDroppedName,
  rankKey,
  sampleKind,
  splitLabels,
  withBoundLabel,
} from './series-names.js';

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

/** Distinct series texts remembered at most (protects memory against label churn). */
const MAX_SERIES_TEXTS = 2_000_000;

function grown32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

function grown8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
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
      const f = this.newFamily(
        MOTOR[key],
        'gauge',
        MOTOR_HELP[key],
        true,
        derivedSemantics('sum'),
      );
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

  /** Whether plain family `name` would print a histogram's or summary's sample name. */
  componentOf(name: string, type: MetricType | undefined): boolean {
    return isComponentName(this.familyByName, name, type);
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
    if (context) {
      const k = sampleKind(context, name);
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
        kind = sampleKind(exact, name) ?? KIND_PLAIN;
      } else {
        for (const [suffix] of HIST_SUFFIXES) {
          if (!name.endsWith(suffix)) continue;
          const base = this.familyByName.get(name.slice(0, -suffix.length));
          const k = base && !base.derived ? sampleKind(base, name) : undefined;
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
      kind = sampleKind(family, name) ?? KIND_PLAIN;
    }

    // Split off `le` / `quantile`; rank labels (R1) stay only in the `dp` variant.
    const base: LabelPair[] = [];
    const rank: LabelPair[] = [];
    const bound = splitLabels(parsed.labels, kind, this.rankLabels, base, rank);
    if (bound === undefined) return SID_INVALID;
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

    const template =
      family.canonical && kind !== KIND_QUANTILE
        ? this.canonicalTemplate(family, name, merged, kind, bound)
        : -1;
    const sid = this.allocSid(mid, dpMid, template, sidFlagsOf(family, kind));
    this.sidRankKey[sid] = rankKey(rank);
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
    const labels = templateLabels(merged, feed);
    const sampleName = templateSampleName(family, target, name);
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
      table = grownCanonTable(table, Math.max(1024, this.sidMid.length));
      this.canonTables[model] = table;
    }
    return table;
  }

  /** The canonical mid of a template for one registry model (interned on first use). */
  canonicalMid(template: number, model: number): number {
    const key = template * 65536 + model;
    let mid = this.canonicalByKey.get(key);
    if (mid !== undefined) return mid;
    const t = this.templates[template]!;
    const labels = withModelName(t.labels, this.models[model] ?? '');
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
    const full = withBoundLabel(labels, kind, bound);
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
    };
    this.histByKey.set(key, g);
    this.histGroups.push(g);
    if (family.sem.quantiles && family.type === 'histogram') {
      for (let i = 0; i < family.quantileFamilies.length; i++) {
        const qf = family.quantileFamilies[i];
        if (!qf) {
          g.derived.push(undefined);
          continue;
        }
        const mid = this.internSeries(
          qf,
          qf.name,
          labels,
          KIND_PLAIN,
          NaN,
          undefined,
          quantileLead(i),
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
    this.midFlags[id] = midFlagsOf(family, kind, hist !== undefined);
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
    const spec = canonicalSpec(name);
    if (!spec) return undefined;
    const family = this.newFamily(
      name,
      spec.type,
      spec.help,
      true,
      canonicalSemantics(spec),
    );
    this.addDerivedFamilies(family);
    if (spec.prefixCache) this.canonicalFamily(CANONICAL_PREFIX_HIT_RATIO);
    return family;
  }

  private derivedFamily(gauge: DerivedGauge): Family | undefined {
    const existing = this.familyByName.get(gauge.name);
    if (existing) return existing.derived ? existing : undefined;
    return this.newFamily(
      gauge.name,
      'gauge',
      gauge.help,
      true,
      derivedSemantics(gauge.reduction),
    );
  }

  private addDerivedFamilies(family: Family): void {
    for (const gauge of quantileGauges(family))
      family.quantileFamilies.push(this.derivedFamily(gauge));
    const max = maxGauge(family);
    if (max) family.maxFamily = this.derivedFamily(max);
    const hitRate = hitRateGauge(family);
    if (hitRate) this.derivedFamily(hitRate);
  }

  private growMids(): void {
    const n = this.midReduction.length * 2;
    this.midReduction = grown8(this.midReduction, n);
    this.midFlags = grown8(this.midFlags, n);
    this.midFamily = grown32(this.midFamily, n);
    this.midHist = grown32(this.midHist, n);
    this.midPair = grown32(this.midPair, n);
    this.midMax = grown32(this.midMax, n);
    this.midModel = grown32(this.midModel, n);
  }

  private growSids(): void {
    const n = this.sidMid.length * 2;
    this.sidMid = grown32(this.sidMid, n);
    this.sidDpMid = grown32(this.sidDpMid, n);
    this.sidTemplate = grown32(this.sidTemplate, n);
    this.sidFlags = grown8(this.sidFlags, n);
  }

  /** All mids in render order: family, histogram group, bucket/quantile bound, `_sum`, `_count`. */
  renderOrder(): RenderOrder {
    this.orderCache ??= renderOrderOf(this.series, this.families.length);
    return this.orderCache;
  }
}
