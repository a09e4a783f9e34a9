import {
  VIEW_INDEX,
  VIEW_LABELS,
  type GroupOutput,
  type ViewOutput,
} from '../aggregate/aggregate.types.js';
import type { SeriesCatalog } from '../aggregate/series-catalog.js';
import { formatNumber } from '../parse/parse-number.js';
import { ChunkWriter } from './chunk-writer.js';
import { escapeHelp, escapeLabelValue } from './escape.js';
import { seriesLabelText } from './view-labels.js';

export const PROMETHEUS_CONTENT_TYPE =
  'text/plain; version=0.0.4; charset=utf-8';

/**
 * Prometheus text 0.0.4: each family once (`# HELP`, `# TYPE`, then the samples of
 * every group), families in a stable order, histogram buckets by `le` then `_sum`, `_count`.
 * A family without help text from any engine gets its own name as help.
 */
export function renderPrometheusText(
  catalog: SeriesCatalog,
  view: ViewOutput,
  groups: readonly GroupOutput[],
): Buffer {
  const viewIndex = VIEW_INDEX[view.view];
  const injected = VIEW_LABELS[view.view];
  const series = catalog.series;
  const cursors = new Int32Array(groups.length);
  const out = new ChunkWriter();
  for (const family of catalog.families) {
    const fid = family.id;
    let any = false;
    for (let g = 0; g < groups.length && !any; g++) {
      const mids = groups[g]!.mids;
      const c = cursors[g]!;
      any = c < mids.length && series[mids[c]!]!.family.id === fid;
    }
    if (!any && view.declared[fid] !== 1) continue;
    out.write(
      `# HELP ${family.name} ${escapeHelp(family.help ?? family.name)}\n# TYPE ${family.name} ${family.type}\n`,
    );
    if (!any) continue;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const mids = group.mids;
      const values = group.values;
      let c = cursors[g]!;
      for (; c < mids.length; c++) {
        const s = series[mids[c]!]!;
        if (s.family.id !== fid) break;
        let inner = group.labelText;
        const own = seriesLabelText(s, viewIndex, injected);
        if (own !== '') inner = inner === '' ? own : `${inner},${own}`;
        if (s.lead) {
          const lead = `${s.lead[0]}="${escapeLabelValue(s.lead[1])}"`;
          inner = inner === '' ? lead : `${lead},${inner}`;
        }
        const value = formatNumber(values[c]!);
        out.write(
          inner === ''
            ? `${s.name} ${value}\n`
            : `${s.name}{${inner}} ${value}\n`,
        );
      }
      cursors[g] = c;
    }
  }
  return out.finish();
}
