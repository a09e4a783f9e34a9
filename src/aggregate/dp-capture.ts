import { QuantileWindow } from './quantile-window.js';
import type {
  BuildContext,
  GroupSpec,
  SourceState,
  TokenRates,
} from './view-build.types.js';
import { ENTRY_PARKED, type EndpointState } from './endpoint-state.js';
import { isAliasOff } from './deprecated-aliases.js';
import { MID_GENERATION_TOKENS, MID_PROMPT_TOKENS } from './series-codes.js';

/**
 * The `dp` view is built lazily, on its first render, so each endpoint's group takes
 * now what it will read then: its sample buffers (by reference: they stay valid while
 * this is the latest cycle) and its token rates over the window, worked out every
 * cycle (in `windows`, per endpoint key) so that they never span cycles.
 */

/** The dp groups with their endpoint's samples copied (by reference) and token rates set. */
export function captureDp(
  specs: readonly GroupSpec[],
  ctx: BuildContext,
  windows: Map<string, QuantileWindow>,
): GroupSpec[] {
  const { catalog } = ctx;
  const { midFlags } = catalog;
  const out: GroupSpec[] = [];
  for (const spec of specs) {
    const st = spec.endpoints[0] as unknown as EndpointState;
    const c = st.cur;
    let prompt = 0;
    let generation = 0;
    let tokens = false;
    if (!st.stale) {
      const table = catalog.canonTable(st.model);
      for (let i = 0; i < c.n; i++) {
        if (c.state[i]! & ENTRY_PARKED) continue;
        const sid = c.sids[i]!;
        const cm = table[sid]!;
        if (cm < 0 || isAliasOff(catalog, c.aliasOff, sid)) continue;
        const f = midFlags[cm]!;
        if (f & MID_PROMPT_TOKENS) prompt += c.raw[i]! + c.off[i]!;
        else if (f & MID_GENERATION_TOKENS) generation += c.raw[i]! + c.off[i]!;
        else continue;
        tokens = true;
      }
    }
    const rates = new Map<number, TokenRates>();
    if (tokens) {
      let window = windows.get(spec.key);
      if (!window) {
        window = new QuantileWindow(ctx.windowMs);
        windows.set(spec.key, window);
      }
      const base = window.advance(
        ctx.finishedAt,
        Int32Array.of(0, 1),
        Float64Array.of(prompt, generation),
      );
      const seconds = base ? (ctx.finishedAt - base.at) / 1000 : 0;
      const rate = (mid: number, cur: number): number =>
        base && seconds > 0
          ? Math.max(0, cur - base.old(mid, cur)) / seconds
          : 0;
      rates.set(st.model, {
        prompt: rate(0, prompt),
        generation: rate(1, generation),
      });
    }
    const source: SourceState = {
      ref: st.ref,
      model: st.model,
      since: st.since,
      cur: {
        n: c.n,
        sids: c.sids,
        raw: c.raw,
        off: c.off,
        state: c.state,
        declared: c.declared,
        capacity: c.capacity,
        singleCapacity: c.singleCapacity,
        aliasOff: c.aliasOff,
      },
      stale: st.stale,
      up: st.up,
      ingested: st.ingested,
      lastAt: st.lastAt,
      lastSuccessAt: st.lastSuccessAt,
    };
    out.push({ ...spec, endpoints: [source], rates });
  }
  return out;
}
