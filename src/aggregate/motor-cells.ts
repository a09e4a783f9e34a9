import type { LabelPair } from '../parse/label-block.js';
import type { GroupOutput } from './aggregate.types.js';
import type { GroupCells } from './group-cells.js';
import type {
  BuildContext,
  GroupSpec,
  TokenRates,
} from './view-build.types.js';
import type { ViewType } from './views.js';

/**
 * The coordinator's own series in a view: the cluster group's worker counts per
 * registered model, and in each group its freshness (endpoints configured and
 * scraped, scrape duration; `up` and last success in `dp`), its token rates and, in
 * `full`, the PD TTFT estimate.
 */

/** Unlabeled cluster facts: workers per registered model; zeroed freshness for an empty view. */
export function clusterGroup(ctx: BuildContext, empty: boolean): GroupOutput {
  const { catalog } = ctx;
  const m = catalog.motor;
  const cells: [number, number][] = [];
  if (empty) {
    cells.push([m.configured, 0], [m.scraped, 0], [m.duration, 0]);
  }
  for (const [model, w] of ctx.workers) {
    const name = catalog.models[model] ?? '';
    const labels: LabelPair[] = name === '' ? [] : [['model_name', name]];
    cells.push(
      [catalog.motorSeries('prefillWorkers', labels), w.prefill],
      [catalog.motorSeries('decodeWorkers', labels), w.decode],
      [catalog.motorSeries('unionWorkers', labels), w.union],
    );
  }
  const rank = catalog.renderOrder().rank;
  cells.sort((a, b) => rank[a[0]]! - rank[b[0]]!);
  return {
    labels: [],
    role: undefined,
    mids: Int32Array.from(cells, (c) => c[0]),
    values: Float64Array.from(cells, (c) => c[1]),
  };
}

export function addFreshness(
  cells: GroupCells,
  view: ViewType,
  spec: GroupSpec,
  ctx: BuildContext,
  rates: Map<number, [number, number]>,
  gs: number,
): void {
  const { catalog } = ctx;
  const m = catalog.motor;
  let scraped = 0;
  let lastAt = ctx.startedAt;
  for (const st of spec.endpoints) {
    if (st.up) scraped++;
    if (st.lastAt > lastAt) lastAt = st.lastAt;
  }
  const duration =
    view === 'full' ? ctx.finishedAt - ctx.startedAt : lastAt - ctx.startedAt;
  cells.set(m.configured, spec.endpoints.length, gs);
  cells.set(m.scraped, scraped, gs);
  cells.set(m.duration, Math.max(0, duration) / 1000, gs);
  if (view === 'dp') {
    const st = spec.endpoints[0];
    cells.set(m.up, st?.up ? 1 : 0, gs);
    cells.set(
      m.lastSuccess,
      st?.lastSuccessAt != null ? st.lastSuccessAt / 1000 : 0,
      gs,
    );
  }
  const entries: [number, TokenRates][] = spec.rates
    ? [...spec.rates]
    : [...rates].map(([model, r]) => [
        model,
        { prompt: r[0], generation: r[1] },
      ]);
  for (const [model, r] of entries) {
    const labels: LabelPair[] =
      model >= 0 && catalog.models[model] !== ''
        ? [['model_name', catalog.models[model]!]]
        : [];
    cells.set(catalog.motorSeries('promptRate', labels), r.prompt, gs);
    cells.set(catalog.motorSeries('generationRate', labels), r.generation, gs);
  }
  if (view === 'full') {
    for (const [model, e2e] of ctx.pd.prefillE2e) {
      const ttft = ctx.pd.decodeTtft.get(model);
      if (!ttft || !(e2e[1] > 0) || !(ttft[1] > 0)) continue;
      const name = catalog.models[model] ?? '';
      const labels: LabelPair[] = name === '' ? [] : [['model_name', name]];
      cells.set(
        catalog.motorSeries('pdTtft', labels),
        e2e[0] / e2e[1] + ttft[0] / ttft[1],
        gs,
      );
    }
  }
}
