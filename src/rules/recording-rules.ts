import {
  CANONICAL_FAMILIES,
  CANONICAL_PREFIX_HIT_RATIO,
  CANONICAL_SOURCES,
  MEAN_SUFFIX,
  QUANTILES,
  type CanonicalFamily,
  type CanonicalFeed,
  type RoleScope,
} from '../aggregate/metric-semantics.js';

/**
 * SPEC §3.2 compiled to Prometheus recording rules: the canonical full-view
 * `motor:` families computed inside Prometheus from the engines' raw series,
 * for fleets that shard scraping across Prometheus servers. Everything is
 * read from the table in metric-semantics.ts (families, their sources, scopes,
 * aliases, added labels); nothing here names an engine metric.
 *
 * Raw series must carry a `role` label (prefill, decode or union) and the
 * registry's `model_name`, both set by the PodMonitor's relabeling from pod
 * labels (deploy/prometheus/engines-podmonitor.yaml). Every recorded series
 * carries `view="full"` and `source="rules"`, so it never mixes with the
 * coordinator's own series in the same Prometheus (`source="coordinator"`,
 * set by the ServiceMonitor), and reads no series that has a `view` label.
 *
 * Names: gauges and windowed gauges keep the coordinator's names
 * (`motor:requests_running`, `motor:time_to_first_token_seconds_p95`, …).
 * Counters are recorded as `<name>:rate<window>` (sum of per-series rate(),
 * right across joins, leaves and restarts) and `<name>:sum` (the instantaneous
 * sum of the raw counters, for reading a level; never rate() it).
 */

export interface RecordingRuleOptions {
  /** Range of rate(): the coordinator's `quantile_window` (default 60 s). */
  readonly window: string;
  /** Label carrying prefill/decode/union on the raw series. */
  readonly roleLabel: string;
  /** Labels kept on every recorded series (the rest, ranks included, are summed away). */
  readonly groupBy: readonly string[];
  /** Labels that identify one scraped page (one engine process). */
  readonly pageLabels: readonly string[];
}

export const DEFAULT_RULE_OPTIONS: RecordingRuleOptions = {
  window: '1m',
  roleLabel: 'role',
  groupBy: ['namespace', 'model_name'],
  pageLabels: ['job', 'instance'],
};

export const RULES_SOURCE_LABELS = { view: 'full', source: 'rules' } as const;
export const RULE_GROUP_NAME = 'motor-canonical-full';

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: RecordingRule[];
}

/**
 * The one capacity a page states as a sample value (R2); the coordinator's
 * table maps it to `sglang_max_tokens` (checked by the spec).
 */
export const SGLANG_CAPACITY = 'sglang:max_total_num_tokens';

const SCOPE_ROLES: Readonly<Record<RoleScope, string>> = {
  prefill: 'prefill|union',
  decode: 'decode|union',
  all: 'prefill|decode|union',
};

/** Engine names feeding a canonical family, in table order. */
export function sourcesOf(family: string): [string, CanonicalFeed][] {
  return Object.entries(CANONICAL_SOURCES).filter(
    ([, feed]) => feed.family === family,
  );
}

/** Labels a family carries besides the group-by ones (from the table's addLabels). */
function extraLabels(family: string): string[] {
  const out = new Set<string>();
  for (const [, feed] of sourcesOf(family))
    for (const [k] of feed.addLabels ?? []) out.add(k);
  return [...out];
}

class Builder {
  readonly rules: RecordingRule[] = [];
  constructor(private readonly o: RecordingRuleOptions) {}

  /**
   * Raw engine series of the given roles. `view=""` leaves out the
   * coordinator's own series of the same names in the same Prometheus (its
   * role, instance, node and dp views carry a `role` label too).
   */
  private roles(regex: string): string {
    return `${this.o.roleLabel}=~"${regex}", view=""`;
  }

  private by(extra: readonly string[] = []): string {
    return `(${[...this.o.groupBy, ...extra].join(', ')})`;
  }

  /**
   * One source as a selector: scope matcher, the alias rule (skipped on a page
   * that has the preferred family) and the added labels (set where absent).
   * `suffix` selects a histogram part; `wrap` turns a selector into e.g. rate().
   */
  private source(
    name: string,
    feed: CanonicalFeed,
    matcher: string,
    suffix = '',
    wrap: (sel: string) => string = (s) => s,
  ): string {
    let expr = wrap(`${name}${suffix}{${matcher}}`);
    if (feed.unlessPageHas) {
      const preferred = `${feed.unlessPageHas}${suffix}{${matcher}}`;
      expr = `(${expr} unless on (${this.o.pageLabels.join(', ')}) ${preferred})`;
    }
    for (const [k, v] of feed.addLabels ?? []) {
      expr = `label_replace(${expr}, "${k}", "${v}", "${k}", "")`;
    }
    return expr;
  }

  private union(
    family: string,
    matcher: string,
    suffix = '',
    wrap?: (sel: string) => string,
  ): string {
    const parts = sourcesOf(family).map(([name, feed]) =>
      this.source(name, feed, matcher, suffix, wrap),
    );
    return parts.length === 1 ? parts[0]! : `(\n  ${parts.join('\n  or ')}\n)`;
  }

  add(record: string, expr: string, labels: Record<string, string> = {}) {
    this.rules.push({
      record,
      expr,
      labels: { ...RULES_SOURCE_LABELS, ...labels },
    });
  }

  private rate = (sel: string) => `rate(${sel}[${this.o.window}])`;
  private get w(): string {
    return this.o.window;
  }

  gauge(f: CanonicalFamily): void {
    const m = this.roles(SCOPE_ROLES[f.scope]);
    if (f.name === CANONICAL_PREFIX_HIT_RATIO) {
      // Windowed from the hit/query counters; SGLang's own ratio gauge where
      // only that exists (mean, like the coordinator's R2 fallback).
      const gauges = this.union(f.name, m);
      this.add(
        f.name,
        [
          `motor:prefix_cache_hits_total:rate${this.w}`,
          `  / (motor:prefix_cache_queries_total:rate${this.w} > 0)`,
          // only for a group without counters (`on`: the ratio carries
          // view/source from the recorded rates, the mean does not)
          `or on ${this.by()} avg by ${this.by()} (${gauges} >= 0)`,
        ].join('\n'),
      );
      return;
    }
    const all = this.union(f.name, m);
    if (f.reduction === 'mean') {
      this.meanGauge(f, all, m);
    } else {
      this.add(f.name, `sum by ${this.by()} ${wrapParen(all)}`);
      if (f.maxInto)
        this.add(f.maxInto, `max by ${this.by()} ${wrapParen(all)}`);
    }
  }

  /**
   * R2: negative sentinels excluded; weighted by capacity where every source
   * of the group states it as a sample value (SGLang `max_total_num_tokens`),
   * equal weights otherwise. vLLM states its capacity in label values of
   * `cache_config_info`, which PromQL cannot multiply: equal weights there.
   */
  private meanGauge(f: CanonicalFamily, all: string, m: string): void {
    const valid = `(${all} >= 0)`;
    // Sources from the engine whose pages state capacity as a value.
    const engine = SGLANG_CAPACITY.slice(0, SGLANG_CAPACITY.indexOf(':') + 1);
    const weighted = sourcesOf(f.name).filter(([n]) => n.startsWith(engine));
    const page = this.o.pageLabels.join(', ');
    let expr = `avg by ${this.by()} ${valid}`;
    if (weighted.length > 0) {
      const usage = `((${weighted.map(([n]) => `${n}{${m}}`).join(' or ')}) >= 0)`;
      const cap = `max by (${page}) (${SGLANG_CAPACITY}{${m}})`;
      const withCap = `${usage} * on (${page}) group_left () ${cap}`;
      const capOf = `(${usage} * 0 + 1) * on (${page}) group_left () ${cap}`;
      expr = [
        `(`,
        `  sum by ${this.by()} (${withCap})`,
        `    / sum by ${this.by()} (${capOf})`,
        `)`,
        `  and on ${this.by()}`,
        `    (count by ${this.by()} ${valid} == count by ${this.by()} (${withCap}))`,
        `or on ${this.by()} ${expr}`,
      ].join('\n');
    }
    this.add(f.name, expr);
    if (f.maxInto) this.add(f.maxInto, `max by ${this.by()} ${valid}`);
  }

  counter(f: CanonicalFamily): void {
    const m = this.roles(SCOPE_ROLES[f.scope]);
    const by = this.by(extraLabels(f.name));
    this.add(
      `${f.name}:sum`,
      `sum by ${by} ${wrapParen(this.union(f.name, m))}`,
    );
    this.add(
      `${f.name}:rate${this.w}`,
      `sum by ${by} ${wrapParen(this.union(f.name, m, '', this.rate))}`,
    );
    if (f.tokens) {
      this.add(
        `motor:${f.tokens}_tokens_per_second`,
        `motor:${f.tokens}_tokens_total:rate${this.w}`,
      );
    }
  }

  histogram(f: CanonicalFamily): void {
    const m = this.roles(SCOPE_ROLES[f.scope]);
    const by = this.by();
    const rate = (part: string) => this.union(f.name, m, part, this.rate);
    const bucket = `${f.name}_bucket:rate${this.w}`;
    const count = `${f.name}_count:rate${this.w}`;
    const sumR = `${f.name}_sum:rate${this.w}`;
    this.add(bucket, `sum by ${this.by(['le'])} ${wrapParen(rate('_bucket'))}`);
    this.add(sumR, `sum by ${by} ${wrapParen(rate('_sum'))}`);
    this.add(count, `sum by ${by} ${wrapParen(rate('_count'))}`);
    this.add(
      `${f.name}_count:sum`,
      `sum by ${by} ${wrapParen(this.union(f.name, m, '_count'))}`,
    );
    if (!f.quantiles) return;
    // S3: absent when nothing was observed in the window, never NaN.
    for (const q of QUANTILES) {
      this.add(
        `${f.name}${q.suffix}`,
        `histogram_quantile(${q.q}, ${bucket})\n  and ${count} > 0`,
        { quantile: String(q.q) },
      );
    }
    this.add(`${f.name}${MEAN_SUFFIX}`, `${sumR}\n  / (${count} > 0)`);
  }

  /** S2: mean prefill e2e latency + mean decode TTFT, both windowed (means add). */
  pdTtft(): void {
    const e2e = 'motor:e2e_request_latency_seconds';
    const ttft = 'motor:time_to_first_token_seconds';
    const mean = (family: string, role: string) => {
      const m = this.roles(role);
      const part = (p: string) =>
        `sum by ${this.by()} ${wrapParen(this.union(family, m, p, this.rate))}`;
      return `(${part('_sum')}\n  / (${part('_count')} > 0))`;
    };
    this.add(
      'motor:pd_time_to_first_token_mean_seconds',
      `${mean(e2e, 'prefill')}\n+ ${mean(ttft, 'decode')}`,
    );
  }
}

function wrapParen(expr: string): string {
  return expr.startsWith('(') && expr.endsWith(')') ? expr : `(${expr})`;
}

/** The rule groups, in evaluation order (counter rates before the ratios built on them). */
export function recordingRuleGroups(
  options: RecordingRuleOptions = DEFAULT_RULE_OPTIONS,
): RuleGroup[] {
  const b = new Builder(options);
  const kinds: CanonicalFamily['type'][] = ['counter', 'histogram', 'gauge'];
  for (const kind of kinds)
    for (const f of CANONICAL_FAMILIES)
      if (f.type === kind && sourcesOf(f.name).length > 0) {
        if (kind === 'counter') b.counter(f);
        else if (kind === 'histogram') b.histogram(f);
        else b.gauge(f);
      }
  b.pdTtft();
  return [{ name: RULE_GROUP_NAME, rules: b.rules }];
}
