import { SeriesCatalog } from '../aggregate/series-catalog.js';
import { VIEW_INDEX, VIEW_LABELS } from '../aggregate/views.js';
import { viewLabelCache } from './label-cache.js';
import { seriesLabels } from './view-labels.js';

const dp = (catalog: SeriesCatalog) =>
  viewLabelCache(catalog, VIEW_INDEX.dp, VIEW_LABELS.dp);

describe('viewLabelCache', () => {
  it('keeps one cache per catalog and view', () => {
    const catalog = new SeriesCatalog();
    expect(dp(catalog)).toBe(dp(catalog));
    expect(viewLabelCache(catalog, VIEW_INDEX.full, VIEW_LABELS.full)).not.toBe(
      dp(catalog),
    );
    // A compaction's new catalog starts empty.
    expect(dp(new SeriesCatalog())).not.toBe(dp(catalog));
  });

  it('is sized to the catalog before a render and grows with it', () => {
    const catalog = new SeriesCatalog();
    const cache = dp(catalog).forText(catalog);
    expect(cache.seriesPieces).toHaveLength(catalog.series.length);
    const sid = catalog.resolve('x{role="decode"}', undefined);
    const mid = catalog.sidDpMid[sid]!;
    expect(mid).toBeGreaterThanOrEqual(cache.seriesPieces.length);
    cache.forText(catalog);
    expect(cache.seriesLabels).toHaveLength(catalog.series.length);
    expect(seriesLabels(cache, catalog.series[mid]!)).toEqual([
      ['exported_role', 'decode'],
    ]);
    expect(cache.seriesLabels[mid]).toEqual([['exported_role', 'decode']]);
  });

  it('sizes the OTLP arrays by series and histogram group', () => {
    const catalog = new SeriesCatalog();
    catalog.declare('h', 'histogram');
    catalog.resolve('h_bucket{le="1"}', undefined);
    const cache = dp(catalog).forJson(catalog);
    expect(cache.seriesJson).toHaveLength(catalog.series.length);
    expect(cache.histJson).toHaveLength(catalog.histGroups.length);
    expect(catalog.histGroups.length).toBeGreaterThan(0);
  });
});
