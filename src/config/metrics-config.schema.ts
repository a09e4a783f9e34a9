import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  Max,
  Min,
  IsArray,
  Matches,
  ValidateBy,
} from 'class-validator';
import { VIEW_TYPES, type ViewType } from '../aggregate/views.js';

/**
 * The `prometheus_metrics_config` section: scraping, page budgets and the
 * views' family filters and series budgets, with the validators of its
 * per-view settings (one value, or an object keyed by view).
 */

const FAMILY_GLOB = /^[a-zA-Z_:*?][a-zA-Z0-9_:*?]*$/;
const PATTERNS_MESSAGE = `must be a list of family name globs (* and ?), or an object of such lists keyed by view (${VIEW_TYPES.join(', ')})`;
const BUDGET_MESSAGE = `must be an integer ≥ 1, or an object of such integers keyed by view (${VIEW_TYPES.join(', ')})`;

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isViewKey = (k: string): boolean =>
  (VIEW_TYPES as readonly string[]).includes(k);
const isPatternList = (v: unknown): boolean =>
  Array.isArray(v) &&
  v.every((p) => typeof p === 'string' && FAMILY_GLOB.test(p));
const isBudget = (v: unknown): boolean =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;

/** A list of family globs, or an object of lists keyed by view. */
function IsFamilyPatterns(): PropertyDecorator {
  return ValidateBy({
    name: 'isFamilyPatterns',
    validator: {
      validate: (v: unknown) =>
        isPatternList(v) ||
        (isPlainRecord(v) &&
          Object.entries(v).every(
            ([k, l]) => isViewKey(k) && isPatternList(l),
          )),
      defaultMessage: () => PATTERNS_MESSAGE,
    },
  });
}

/** A series budget, or an object of budgets keyed by view. */
function IsSeriesBudget(): PropertyDecorator {
  return ValidateBy({
    name: 'isSeriesBudget',
    validator: {
      validate: (v: unknown) =>
        isBudget(v) ||
        (isPlainRecord(v) &&
          Object.entries(v).every(([k, b]) => isViewKey(k) && isBudget(b))),
      defaultMessage: () => BUDGET_MESSAGE,
    },
  });
}

export const SCRAPE_PORTS = ['mgmt_port', 'business_port'] as const;

export class PrometheusMetricsConfig {
  /** Scrape cycle period (start to start), seconds. */
  @IsNumber({}, { message: 'must be a number of seconds in 0.2..3600' })
  @Min(0.2, { message: 'must be a number of seconds in 0.2..3600' })
  @Max(3600, { message: 'must be a number of seconds in 0.2..3600' })
  reuse_time!: number;

  /** Per-request timeout, seconds; 0 = 80 % of reuse_time. Must stay below reuse_time. */
  @IsNumber(
    {},
    { message: 'must be a number of seconds ≥ 0 (0 = 80% of reuse_time)' },
  )
  @Min(0, {
    message: 'must be a number of seconds ≥ 0 (0 = 80% of reuse_time)',
  })
  scrape_timeout!: number;

  @IsInt({ message: 'must be an integer in 1..4096' })
  @Min(1, { message: 'must be an integer in 1..4096' })
  @Max(4096, { message: 'must be an integer in 1..4096' })
  scrape_concurrency!: number;

  @IsIn(SCRAPE_PORTS, { message: `must be one of ${SCRAPE_PORTS.join(', ')}` })
  scrape_port!: (typeof SCRAPE_PORTS)[number];

  /** A failed endpoint's last good samples count until this old, seconds; 0 = 5 × reuse_time. */
  @IsNumber(
    {},
    { message: 'must be a number of seconds ≥ 0 (0 = 5 × reuse_time)' },
  )
  @Min(0, { message: 'must be a number of seconds ≥ 0 (0 = 5 × reuse_time)' })
  stale_after!: number;

  /** Largest accepted (decompressed) /metrics page, bytes. */
  @IsInt({ message: 'must be an integer number of bytes in 1024..268435456' })
  @Min(1024, {
    message: 'must be an integer number of bytes in 1024..268435456',
  })
  @Max(268435456, {
    message: 'must be an integer number of bytes in 1024..268435456',
  })
  max_page_bytes!: number;

  /** Ask endpoints for gzip (less network, more coordinator CPU) or for plain text. */
  @IsBoolean({ message: 'must be true or false' })
  scrape_gzip!: boolean;

  /** Parse/aggregate/render in a worker thread (true) or on the event loop (false). */
  @IsBoolean({ message: 'must be true or false' })
  digest_in_worker!: boolean;

  /** S3: windowed quantiles, means, hit rates and token rates span this many seconds (at least reuse_time: a smaller value means reuse_time). */
  @IsNumber({}, { message: 'must be a number of seconds ≥ 0.2' })
  @Min(0.2, { message: 'must be a number of seconds ≥ 0.2' })
  quantile_window!: number;

  /** Page budgets: a page over one is refused whole, its endpoint down with the reason (0 = no limit). */
  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_series_per_page!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_labels_per_series!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_label_name_length!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_label_value_length!: number;

  @IsInt({ message: 'must be an integer ≥ 0 (0 = no limit)' })
  @Min(0, { message: 'must be an integer ≥ 0 (0 = no limit)' })
  max_buckets_per_histogram!: number;

  /** R1: labels naming a part of one engine, removed before merging (kept in the dp view). */
  @IsArray({ message: 'must be a list of label names' })
  @Matches(/^[a-zA-Z_][a-zA-Z0-9_]*$/, {
    each: true,
    message: 'must be a list of label names',
  })
  rank_labels!: string[];

  /** §3.2: only families matching one of these globs are served (empty = every family); a list for every view, or per view. */
  @IsFamilyPatterns()
  include_families!: string[] | Partial<Record<ViewType, string[]>>;

  /** §3.2: families matching one of these globs are left out; a list for every view, or per view. */
  @IsFamilyPatterns()
  exclude_families!: string[] | Partial<Record<ViewType, string[]>>;

  /** §3.2: a view that would print more series loses whole families, the largest first; one number or per view. */
  @IsSeriesBudget()
  max_series_per_view!: number | Partial<Record<ViewType, number>>;

  /** Endpoint addresses must fall in one of these CIDRs; empty = every address the target policy allows. */
  @IsArray({ message: 'must be a list of CIDRs such as 10.0.0.0/8' })
  @IsString({
    each: true,
    message: 'must be a list of CIDRs such as 10.0.0.0/8',
  })
  scrape_allowed_cidrs!: string[];
}
