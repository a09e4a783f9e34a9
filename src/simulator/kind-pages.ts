/**
 * The pages of the other engine kinds (vLLM V0, SGLang, MindIE), printed from
 * the vLLM V1 value array of the traffic model plus a few derived values
 * (kind-extras.ts). Names, HELP texts, label sets, family order, bucket
 * layouts and number formats follow the real payloads in
 * `test/fixtures/metrics/` and the engines' own metric definitions; like the
 * V1 page, each skeleton is built once per label set and shared.
 */
import { mindiePage } from './mindie-page.js';
import type { KindPageOptions, ProjectedTemplate } from './projected-page.js';
import { sglangPage } from './sglang-page.js';
import { vllmV0Page } from './vllm-v0-page.js';

const templates = new Map<string, ProjectedTemplate>();

/** The shared skeleton of a non-V1 page (built on first use). */
export function kindTemplate(
  o: KindPageOptions,
  layoutKey: string,
): ProjectedTemplate {
  const key = [
    o.kind,
    o.engineIndex,
    o.modelName,
    layoutKey,
    o.cache.numGpuBlocks,
    o.cache.blockSize,
    o.dpRankLabel ? 1 : 0,
  ].join('\u0000');
  let t = templates.get(key);
  if (!t) {
    const extra = o.slots.size;
    t =
      o.kind === 'vllm-v0'
        ? vllmV0Page(o, extra)
        : o.kind === 'sglang'
          ? sglangPage(o, extra)
          : mindiePage(o, extra);
    templates.set(key, t);
  }
  return t;
}
