import { parseExposition, type MetricType } from './exposition-parser.js';
import { DEFAULT_PAGE_LIMITS, type PageLimits } from './page-budget.js';
import {
  isValidMetricName,
  parseSeriesText,
  unescapeHelp,
} from './label-block.js';

/**
 * A convenience, tree-building parse of one page (tests, tools, comparisons).
 * The aggregator does not use it: it folds pages straight into its state.
 * It reads any exposition, the coordinator's own output included, so by default it
 * keeps the coordinator's namespaces (`ownNamespaces: 'bad'` reads as from an engine).
 */

export interface ParsePageOptions {
  readonly limits?: PageLimits;
  readonly ownNamespaces?: 'bad' | 'keep';
}

export interface PageSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PageFamily {
  readonly name: string;
  type: MetricType;
  help: string | undefined;
  readonly samples: PageSample[];
}

export interface ParsedPage {
  /** Empty when the page is rejected. */
  readonly families: PageFamily[];
  readonly samples: number;
  readonly badLines: number;
  /** Why the page was rejected as a whole (a page budget), when it was. */
  readonly rejected?: string;
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];
const SUMMARY_SUFFIXES = ['', '_sum', '_count'];

/** The family a sample name belongs to, given the declared family `f`. */
export function belongsTo(
  sampleName: string,
  familyName: string,
  type: MetricType,
): boolean {
  if (sampleName === familyName) return type !== 'histogram';
  if (!sampleName.startsWith(familyName)) return false;
  const suffix = sampleName.slice(familyName.length);
  if (type === 'histogram') return HISTOGRAM_SUFFIXES.includes(suffix);
  if (type === 'summary') return SUMMARY_SUFFIXES.includes(suffix);
  return false;
}

export function parsePage(
  body: string,
  options: ParsePageOptions = {},
): ParsedPage {
  const families: PageFamily[] = [];
  const byName = new Map<string, PageFamily>();
  let current: PageFamily | undefined;

  const declare = (name: string): PageFamily => {
    let f = byName.get(name);
    if (!f) {
      f = { name, type: 'untyped', help: undefined, samples: [] };
      byName.set(name, f);
      families.push(f);
    }
    current = f;
    return f;
  };

  const stats = parseExposition(
    body,
    {
      help(text, nameStart, nameEnd, start, end) {
        if (!isValidMetricName(text, nameStart, nameEnd)) return false;
        const f = declare(text.slice(nameStart, nameEnd));
        f.help ??= unescapeHelp(text, start, end);
        return true;
      },
      type(text, nameStart, nameEnd, type) {
        if (!isValidMetricName(text, nameStart, nameEnd)) return false;
        declare(text.slice(nameStart, nameEnd)).type = type;
        return true;
      },
      sample(text, start, end, value) {
        const parsed = parseSeriesText(text.slice(start, end));
        if (typeof parsed === 'string') return false;
        let family =
          current && belongsTo(parsed.name, current.name, current.type)
            ? current
            : undefined;
        if (!family) {
          family = byName.get(parsed.name);
          if (!family) {
            for (const suffix of HISTOGRAM_SUFFIXES) {
              if (!parsed.name.endsWith(suffix)) continue;
              const base = byName.get(parsed.name.slice(0, -suffix.length));
              if (base && belongsTo(parsed.name, base.name, base.type))
                family = base;
            }
          }
          family ??= declare(parsed.name);
        }
        family.samples.push({
          name: parsed.name,
          labels: Object.fromEntries(parsed.labels),
          value,
        });
        return true;
      },
    },
    options.limits ?? DEFAULT_PAGE_LIMITS,
    options.ownNamespaces ?? 'keep',
  );
  if (stats.rejected !== undefined) {
    return {
      families: [],
      samples: 0,
      badLines: stats.badLines,
      rejected: stats.rejected,
    };
  }
  return { families, samples: stats.samples, badLines: stats.badLines };
}
