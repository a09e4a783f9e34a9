import type { GroupOutput, ViewOutput } from '../aggregate/aggregate.types.js';
import type { OutputFormat, RenderedView } from '../aggregate/cycle.types.js';
import type { SeriesCatalog } from '../aggregate/series-catalog.js';
import type { Role } from '../instances/role.js';
import {
  OPENTELEMETRY_CONTENT_TYPE,
  renderOpenTelemetry,
} from './opentelemetry-json.js';
import {
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheusText,
} from './prometheus-text.js';

/** Renders one view (optionally one role of the `role` view) in one format. */
export function renderView(
  catalog: SeriesCatalog,
  view: ViewOutput,
  role: Role | undefined,
  format: OutputFormat,
  createdAt: number,
): RenderedView {
  const groups: readonly GroupOutput[] =
    role === undefined
      ? view.groups
      : view.groups.filter((g) => g.role === undefined || g.role === role);
  if (format === 'opentelemetry') {
    return {
      contentType: OPENTELEMETRY_CONTENT_TYPE,
      body: renderOpenTelemetry(catalog, view, groups, createdAt),
    };
  }
  return {
    contentType: PROMETHEUS_CONTENT_TYPE,
    body: renderPrometheusText(catalog, view, groups),
  };
}
