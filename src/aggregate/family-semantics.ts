import type { MetricType } from '../parse/exposition-parser.js';
import {
  BASE_RULES,
  CANONICAL_FAMILIES,
  CANONICAL_SOURCES,
  CAPACITY,
  ENGINE_PREFIX,
  MAX_GAUGES,
  MAX_SOURCES,
  MEAN_PATTERN,
  PREFIX_CACHE,
  type CanonicalFeed,
  type CapacitySource,
  type PrefixCachePart,
  type Reduction,
  type RoleScope,
  type TokenKind,
} from './metric-semantics.js';

/**
 * The semantics of one engine family, derived from the table in metric-semantics.ts
 * when the catalog meets the family. Names match with the `vllm:`, `sglang:` or
 * `mindie:` prefix or none (MindIE and TensorRT-LLM serve pages are unprefixed).
 * Unknown families fall back by type: histogram → merged buckets,
 * counter/gauge/untyped → sum, scope all roles.
 */

export interface FamilySemantics {
  /** How plain samples (counter, gauge, untyped) merge. Histogram/summary parts always sum. */
  readonly reduction: Reduction;
  readonly scope: RoleScope;
  /** Histograms only: emit windowed `<name>_p50`, `_p95`, `_p99` and `_mean` gauges. */
  readonly quantiles: boolean;
  /** Name of the derived max family this family feeds, if any. */
  readonly maxInto?: string;
  readonly tokens?: TokenKind;
  readonly prefixCache?: PrefixCachePart;
  readonly capacity?: CapacitySource;
  /** The canonical `motor:` family this engine family also feeds (§3.2). */
  readonly canonical?: CanonicalFeed;
}

/** Known types, used only when a page shows samples without a TYPE line. */
export function guessType(name: string): MetricType | undefined {
  const rule = BASE_RULES[name.replace(ENGINE_PREFIX, '')];
  if (rule?.type === 'histogram') return 'histogram';
  if (name.endsWith('_total')) return 'counter';
  return undefined;
}

export function semanticsFor(name: string, type: MetricType): FamilySemantics {
  const base = name.replace(ENGINE_PREFIX, '');
  const rule = BASE_RULES[base];
  const scope: RoleScope = rule && rule.type === type ? rule.scope : 'all';
  const canonical = canonicalFeedFor(name, type);
  if (type === 'histogram' || type === 'summary') {
    return {
      reduction: 'sum',
      scope,
      quantiles: type === 'histogram' && rule?.quantiles === true,
      canonical,
    };
  }
  const common = {
    scope,
    quantiles: false,
    maxInto: MAX_SOURCES[name],
    prefixCache: PREFIX_CACHE[name],
    capacity: CAPACITY[name],
    canonical,
    tokens:
      type === 'counter' && base === 'prompt_tokens_total'
        ? ('prompt' as const)
        : type === 'counter' && base === 'generation_tokens_total'
          ? ('generation' as const)
          : undefined,
  };
  if (type === 'counter') return { ...common, reduction: 'sum' };
  if (name === 'process_start_time_seconds')
    return { ...common, reduction: 'min' };
  if (name.endsWith('_info')) return { ...common, reduction: 'first' };
  if (name.startsWith('process_') || name.startsWith('python_')) {
    return { ...common, reduction: 'sum' };
  }
  if (MAX_GAUGES.has(name) || base.startsWith('max_'))
    return { ...common, reduction: 'first' };
  if (MEAN_PATTERN.test(base)) return { ...common, reduction: 'mean' };
  return { ...common, reduction: 'sum' };
}

function canonicalFeedFor(
  name: string,
  type: MetricType,
): CanonicalFeed | undefined {
  const feed = CANONICAL_SOURCES[name];
  if (!feed) return undefined;
  const target = CANONICAL_FAMILIES.find((f) => f.name === feed.family);
  if (!target) return undefined;
  const compatible =
    target.type === 'histogram'
      ? type === 'histogram'
      : type === 'counter' || type === 'gauge' || type === 'untyped';
  return compatible ? feed : undefined;
}
