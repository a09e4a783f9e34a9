import type { Family } from './catalog.types.js';

/**
 * The small integer codes the catalog stores per series, so the per-cycle merge
 * reads typed arrays instead of objects: reduction (per mid), sample kind, flags
 * of a series text (per sid) and of a merged series (per mid), and the sentinel ids.
 */

export const RED_SUM = 0;
export const RED_MEAN = 1;
export const RED_MAX = 2;
export const RED_MIN = 3;
export const RED_FIRST = 4;
export const REDUCTION_CODE = {
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

/** Counter-like samples: a counter's, or a histogram's / summary's bucket, `_sum`, `_count`. */
function counterLike(family: Family, kind: number): boolean {
  return (
    family.type === 'counter' ||
    kind === KIND_BUCKET ||
    kind === KIND_SUM ||
    kind === KIND_COUNT
  );
}

/** The FLAG_* of a series text of `family` with sample kind `kind`. */
export function sidFlagsOf(family: Family, kind: number): number {
  let flags = 0;
  if (counterLike(family, kind)) flags |= FLAG_COUNTER;
  if (family.sem.scope === 'decode') flags |= FLAG_SCOPE_DECODE;
  if (family.sem.scope === 'prefill') flags |= FLAG_SCOPE_PREFILL;
  if (family.sem.capacity && kind === KIND_PLAIN) flags |= FLAG_CAPACITY;
  if (family.sem.canonical?.unlessPageHas && kind !== KIND_QUANTILE)
    flags |= FLAG_ALIAS;
  return flags;
}

/** The MID_* of a merged series of `family` (`inGroup`: part of a histogram / summary group). */
export function midFlagsOf(
  family: Family,
  kind: number,
  inGroup: boolean,
): number {
  let flags = 0;
  const canonical = family.derived && family.name.startsWith('motor:');
  if (canonical && family.type === 'counter') {
    if (family.sem.tokens === 'prompt') flags |= MID_PROMPT_TOKENS;
    if (family.sem.tokens === 'generation') flags |= MID_GENERATION_TOKENS;
  }
  if (inGroup && family.type === 'histogram' && family.sem.quantiles)
    flags |= MID_QUANTILE_SOURCE;
  if (counterLike(family, kind)) flags |= MID_COUNTER;
  if (flags & (MID_PROMPT_TOKENS | MID_GENERATION_TOKENS | MID_QUANTILE_SOURCE))
    flags |= MID_WINDOWED;
  return flags;
}
