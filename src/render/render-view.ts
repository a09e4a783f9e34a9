import type { GroupOutput, ViewOutput } from '../aggregate/aggregate.types.js';
import type { SeriesCatalog } from '../aggregate/series-catalog.js';
import type { Role } from '../instances/role.js';
import type { ViewType } from '../aggregate/views.js';
import { FamilyFilter } from './family-filter.js';
import {
  OPENTELEMETRY_CONTENT_TYPE,
  renderOpenTelemetry,
} from './opentelemetry-json.js';
import {
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheusText,
} from './prometheus-text.js';
import type { OutputFormat, RenderedView } from './render.types.js';

const NO_FILTER = new FamilyFilter();

/** The one key of a rendered body: `role` counts for the `role` view only. */
export function viewCacheKey(
  view: ViewType,
  role: Role | undefined,
  format: OutputFormat,
): string {
  return `${view}|${view === 'role' ? (role ?? '') : ''}|${format}`;
}

/**
 * Renders one view (optionally one role of the `role` view) in one format,
 * with the families `filter` keeps (§3.2 cardinality bounds); `dropped` lists
 * what the series budget left out.
 */
export function renderView(
  catalog: SeriesCatalog,
  view: ViewOutput,
  role: Role | undefined,
  format: OutputFormat,
  createdAt: number,
  filter: FamilyFilter = NO_FILTER,
): RenderedView {
  const groups: readonly GroupOutput[] =
    role === undefined
      ? view.groups
      : view.groups.filter((g) => g.role === undefined || g.role === role);
  const selection = filter.inactive
    ? undefined
    : filter.select(view.view, catalog.families, catalog.series, groups);
  const keep = selection?.keep;
  const dropped =
    selection && selection.dropped.length > 0
      ? { dropped: selection.dropped }
      : {};
  if (format === 'opentelemetry') {
    return {
      contentType: OPENTELEMETRY_CONTENT_TYPE,
      body: renderOpenTelemetry(catalog, view, groups, createdAt, keep),
      ...dropped,
    };
  }
  return {
    contentType: PROMETHEUS_CONTENT_TYPE,
    body: renderPrometheusText(catalog, view, groups, keep),
    ...dropped,
  };
}
