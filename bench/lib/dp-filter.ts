import type { EndpointRef } from '../../src/scrape/scrape.types.js';
import { FamilyFilter } from '../../src/render/family-filter.js';
import { runCycle, type PageSource } from '../../src/pipeline/run-cycle.js';
import { SimulatedVllmEngine } from '../../src/simulator/index.js';
import { fleetLayout } from './fleet-layout.js';
import { percentile } from './stats.js';
import { MetricsPipeline } from '../../src/pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../../src/render/rendered-views.js';

/**
 * The exclude list measured by default: the engines' process and Python
 * runtime families, the HTTP server's own histograms and vLLM's per-request
 * parameter histograms (about 90 of a simulated page's 464 series).
 */
export const DEFAULT_DP_EXCLUDE = [
  'python_*',
  'process_*',
  'http_request_*',
  'vllm:request_params_*',
] as const;

export interface DpRender {
  bytes: number;
  /** Sample lines. */
  series: number;
  /** Median of the renders, ms. */
  renderMs: number;
}

export interface DpFilterResult {
  endpoints: number;
  exclude: string[];
  renders: number;
  unfiltered: DpRender;
  filtered: DpRender;
}

function sampleLines(body: Buffer): number {
  let n = 0;
  let lineStart = true;
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (lineStart && b !== 0x23) n++;
    lineStart = b === 0x0a;
  }
  return n;
}

/**
 * The `dp` view of N simulated vLLM endpoints rendered in this process, with
 * and without an exclude list (SPEC §3.2): two cycles ingested from memory,
 * then `renders` renders of each, in alternating order, timed one by one. Bounded:
 * about two cycles and 2 × `renders` renders of the largest view.
 */
export async function measureDpFilter(
  endpoints: number,
  exclude: readonly string[],
  renders: number,
): Promise<DpFilterResult> {
  const refs: EndpointRef[] = [];
  const engines: SimulatedVllmEngine[] = [];
  for (const spec of fleetLayout(endpoints)) {
    const perHost = spec.ranksPerHost ?? spec.dpRanks;
    for (let rank = 0; rank < spec.dpRanks; rank++) {
      const podIp = `127.0.${spec.id}.${Math.floor(rank / perHost) + 1}`;
      refs.push({
        key: `${spec.id}|${podIp}|${rank}`,
        instanceId: spec.id,
        role: spec.role,
        podIp,
        dpRank: rank,
      });
      engines.push(
        new SimulatedVllmEngine({
          modelName: 'deepseek-ai/DeepSeek-V3',
          engineIndex: rank,
          role: spec.role,
          seed: spec.id * 1000 + rank,
          warmupSeconds: 60,
        }),
      );
    }
  }
  const instances = fleetLayout(endpoints).map((s) => ({
    id: s.id,
    role: s.role,
    paused: false,
  }));
  const targets = refs.map((ref, i) => ({ ref, url: `mem:${i}` }));
  const aggregator = new MetricsPipeline({ staleAfterMs: 30_000 });
  let snapshot: RenderedViews | undefined;
  for (let c = 0; c < 2; c++) {
    const pages = engines.map((e) => {
      e.tick(3);
      return new Uint8Array(Buffer.from(e.render(1_800_000_000 + c * 3)));
    });
    const source: PageSource = {
      fetch: (url) =>
        Promise.resolve({
          ok: true,
          bytes: pages[Number(url.slice(4))]!,
          gzip: false,
        }),
    };
    const run = await runCycle(
      aggregator,
      source,
      { startedAt: Date.now(), targets, instances },
      { concurrency: 128, maxPageBytes: 64 << 20 },
    );
    snapshot = run.views;
  }
  const snap = snapshot!;
  const none = new FamilyFilter();
  const filter = new FamilyFilter({ exclude: [...exclude] });
  const times: [number[], number[]] = [[], []];
  const bodies: [Buffer | undefined, Buffer | undefined] = [
    undefined,
    undefined,
  ];
  // The first render builds the dp view itself: untimed.
  snap.renderWith(none, 'dp', undefined, 'prometheus');
  const order: [0 | 1, FamilyFilter][] = [
    [0, none],
    [1, filter],
  ];
  for (let i = 0; i < renders; i++) {
    // Alternate which goes first, so that neither always pays the other's garbage.
    for (const [k, f] of i % 2 === 0 ? order : [...order].reverse()) {
      const t0 = performance.now();
      const r = snap.renderWith(f, 'dp', undefined, 'prometheus');
      times[k]!.push(performance.now() - t0);
      bodies[k] = r.body;
    }
  }
  const summary = (k: 0 | 1): DpRender => ({
    bytes: bodies[k]!.length,
    series: sampleLines(bodies[k]!),
    renderMs: percentile(times[k], 50),
  });
  return {
    endpoints,
    exclude: [...exclude],
    renders,
    unfiltered: summary(0),
    filtered: summary(1),
  };
}
