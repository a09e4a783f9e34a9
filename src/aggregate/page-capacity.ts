import type { SampleBuffer } from './endpoint-state.js';
import { type SeriesCatalog } from './series-catalog.js';
import { FLAG_CAPACITY } from './series-codes.js';

/**
 * R2: the capacity each utilisation sample of the page in `out` is weighted by —
 * vLLM's `cache_config_info` (num_gpu_blocks × block_size), SGLang's
 * `max_total_num_tokens` — matched by rank labels (`engine="0"`) when the page
 * holds several engines, else the page's only capacity.
 */
export function readCapacities(
  catalog: SeriesCatalog,
  out: SampleBuffer,
): void {
  const { sidFlags, sidDpMid, series, sidRankKey } = catalog;
  let capacity: Map<string, number> | undefined;
  for (let i = 0; i < out.n; i++) {
    const sid = out.sids[i]!;
    if (!(sidFlags[sid]! & FLAG_CAPACITY)) continue;
    const mid = sidDpMid[sid]!;
    if (mid < 0) continue;
    const s = series[mid]!;
    const source = s.family.sem.capacity;
    if (!source) continue;
    let c = NaN;
    if (source === 'sglang_max_tokens') c = out.raw[i]!;
    else {
      const blocks = s.labels.find(([n]) => n === 'num_gpu_blocks')?.[1];
      const size = s.labels.find(([n]) => n === 'block_size')?.[1];
      if (blocks !== undefined && size !== undefined)
        c = Number(blocks) * Number(size);
    }
    if (!(c > 0)) continue;
    capacity ??= new Map();
    capacity.set(sidRankKey[sid] ?? '', c);
  }
  out.capacity = capacity;
  out.singleCapacity =
    capacity?.size === 1 ? capacity.values().next().value! : NaN;
}
