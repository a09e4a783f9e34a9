import {
  type GroupOutput,
  type ViewOutput,
} from '../aggregate/aggregate.types.js';
import type { Series } from '../aggregate/catalog.types.js';
import type { SeriesCatalog } from '../aggregate/series-catalog.js';
import { formatNumber } from '../parse/parse-number.js';
import { escapeHelp, escapeLabelValue, labelText } from './escape.js';
import { TextWriter, isAscii } from './text-writer.js';
import { seriesLabelText } from './view-labels.js';
import {
  viewLabelCache,
  type SeriesPieces,
  type ViewLabelCache,
} from './label-cache.js';
import { familyHasSamples } from './family-cursor.js';
import { skipFamily } from './family-filter.js';
import { VIEW_INDEX, VIEW_LABELS } from '../aggregate/views.js';

export const PROMETHEUS_CONTENT_TYPE =
  'text/plain; version=0.0.4; charset=utf-8';

function seriesPieces(cache: ViewLabelCache, s: Series): SeriesPieces {
  let cached = cache.seriesPieces[s.id];
  if (!cached) {
    const own = seriesLabelText(cache, s);
    const lead = s.lead ? `${s.lead[0]}="${escapeLabelValue(s.lead[1])}"` : '';
    const inner = [lead, own].filter((x) => x !== '').join(',');
    const bare = inner === '' ? `${s.name} ` : `${s.name}{${inner}} `;
    cached = {
      prefix: `${s.name}{${lead === '' ? '' : `${lead},`}`,
      suffix: `${own === '' ? '' : `,${own}`}} `,
      bare,
      ascii: isAscii(bare),
    };
    cache.seriesPieces[s.id] = cached;
  }
  return cached;
}

/**
 * Prometheus text 0.0.4: each family once (`# HELP`, `# TYPE`, then the samples of
 * every group), families in a stable order, histogram buckets by `le` then `_sum`, `_count`.
 * A family without help text from any engine gets its own name as help.
 * `keep` (per family id, 1 = printed): the families the view's bounds leave in.
 */
export function renderPrometheusText(
  catalog: SeriesCatalog,
  view: ViewOutput,
  groups: readonly GroupOutput[],
  keep?: Uint8Array,
): Buffer {
  const cache = viewLabelCache(
    catalog,
    VIEW_INDEX[view.view],
    VIEW_LABELS[view.view],
  ).forText(catalog);
  const series = catalog.series;
  // Each group's injected labels as text (`role="decode",…`), once per render.
  const groupText = groups.map((g) => labelText(g.labels));
  const groupAscii = groupText.map(isAscii);

  // Size the buffer once from an estimate of every line: 12 characters for the value and
  // newline (about 9 on real pages); it grows by a quarter if the guess falls short.
  let capacity = 4096;
  for (let g = 0; g < groups.length; g++) {
    const mids = groups[g]!.mids;
    const gl = groupText[g]!.length;
    for (let c = 0; c < mids.length; c++) {
      const s = series[mids[c]!]!;
      if (keep && keep[s.family.id] !== 1) continue;
      const p = seriesPieces(cache, s);
      capacity +=
        (gl === 0 ? p.bare.length : p.prefix.length + gl + p.suffix.length) +
        12;
    }
  }
  for (const family of catalog.families) {
    capacity +=
      2 * family.name.length + (family.help ?? family.name).length + 32;
  }
  const out = new TextWriter(capacity);

  const cursors = new Int32Array(groups.length);
  for (const family of catalog.families) {
    const fid = family.id;
    if (keep && keep[fid] !== 1) {
      skipFamily(groups, cursors, series, fid);
      continue;
    }
    const any = familyHasSamples(groups, cursors, series, fid);
    if (!any && view.declared[fid] !== 1) continue;
    const help = escapeHelp(family.help ?? family.name);
    out.write(
      `# HELP ${family.name} ${help}\n# TYPE ${family.name} ${family.type}\n`,
      isAscii(help),
    );
    if (!any) continue;
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const mids = group.mids;
      const values = group.values;
      const labels = groupText[g]!;
      const ascii = groupAscii[g]!;
      let c = cursors[g]!;
      for (; c < mids.length; c++) {
        const s = series[mids[c]!]!;
        if (s.family.id !== fid) break;
        const p = seriesPieces(cache, s);
        const value = formatNumber(values[c]!);
        if (labels === '') out.write(`${p.bare}${value}\n`, p.ascii);
        else
          out.write(
            `${p.prefix}${labels}${p.suffix}${value}\n`,
            p.ascii && ascii,
          );
      }
      cursors[g] = c;
    }
  }
  return out.finish();
}
