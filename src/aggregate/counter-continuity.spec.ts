import fc from 'fast-check';
import { cycleOf, failedPage, okPage } from './cycle-builder.js';
import type { InstanceRef, PageResult } from '../scrape/scrape.types.js';
import { MetricsPipeline } from '../pipeline/metrics-pipeline.js';
import type { RenderedViews } from '../render/rendered-views.js';
import {
  samples,
  get,
  counter,
  ref,
  s,
} from '../../test/support/semantics-pages.js';

/**
 * SPEC §3.1 S1: merged counters move only by what happened (joins, leaves, restarts,
 * staleness), by example and as a property.
 * Every expected value is worked out by hand in the comment next to it, from the pages
 * the test writes; none is read back from the code.
 */

describe('S1 counters move only by what happened', () => {
  const page = (prompt: number) =>
    counter('vllm:prompt_tokens_total', prompt, 'model_name="m"');
  const A = ref(2, 'union');
  const B = ref(3, 'union');
  const full = (snap: RenderedViews) =>
    get(samples(snap), 'vllm:prompt_tokens_total{model_name="m"}');
  const canonical = (snap: RenderedViews) =>
    get(samples(snap), 'motor:prompt_tokens_total{model_name="m"}');

  it('a joining engine adds nothing of its history; leave, re-add and restart keep the sum honest', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(60) });
    const at = (t: number, pages: PageResult[]) =>
      agg.ingest(cycleOf(pages, s(t)));
    // first appearance: the raw value
    expect(full(at(0, [okPage(A, page(100), 1)]))).toBe(100);
    // B joins with a week of history (9e8): it adds 0 now
    const joined = at(3, [okPage(A, page(110), 1), okPage(B, page(9e8), 1)]);
    expect(full(joined)).toBe(110);
    expect(canonical(joined)).toBe(110);
    // the rate over the window (base: the first cycle) is A's 10 tokens in 3 s, not 3e8
    expect(
      get(samples(joined), 'motor:prompt_tokens_per_second{model_name="m"}'),
    ).toBeCloseTo(10 / 3, 9);
    // then only its increases: 120 + 50
    expect(
      full(at(6, [okPage(A, page(120), 1), okPage(B, page(9e8 + 50), 1)])),
    ).toBe(170);
    // A is removed: its 120 stays (frozen), B adds 10
    expect(full(at(9, [okPage(B, page(9e8 + 60), 1)]))).toBe(180);
    // A is added again with 130: it joins at 0; B adds 10
    expect(
      full(at(12, [okPage(A, page(130), 1), okPage(B, page(9e8 + 70), 1)])),
    ).toBe(190);
    expect(
      full(at(15, [okPage(A, page(135), 1), okPage(B, page(9e8 + 70), 1)])),
    ).toBe(195);
    // B restarts (raw 5 < 9e8 + 70): the new raw value is what happened since
    expect(full(at(18, [okPage(A, page(135), 1), okPage(B, page(5), 1)]))).toBe(
      200,
    );
  });

  it('a stale endpoint leaves; when it answers again it joins at 0', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(5) });
    const at = (t: number, pages: PageResult[]) =>
      agg.ingest(cycleOf(pages, s(t)));
    at(0, [okPage(A, page(100), s(0)), okPage(B, page(50), s(0))]);
    // B fails: its last good value still counts (not yet stale)
    expect(
      full(at(3, [okPage(A, page(110), s(3)), failedPage(B, 'timeout', s(3))])),
    ).toBe(160);
    // stale after 5 s: B leaves, its 50 frozen
    expect(
      full(at(6, [okPage(A, page(120), s(6)), failedPage(B, 'timeout', s(6))])),
    ).toBe(170);
    // B is back with 80: it joins at 0 (what it did while away is not seen)
    expect(
      full(at(9, [okPage(A, page(130), s(9)), okPage(B, page(80), s(9))])),
    ).toBe(180);
    expect(
      full(at(12, [okPage(A, page(130), s(12)), okPage(B, page(85), s(12))])),
    ).toBe(185);
  });

  it('a series with no live source is shown frozen until stale_after, then it is gone; coming back it is new', () => {
    const agg = new MetricsPipeline({ staleAfterMs: s(5) });
    const other = (v: number) =>
      counter('vllm:prompt_tokens_total', v, 'model_name="other"');
    const at = (t: number, pages: PageResult[]) =>
      samples(
        agg.ingest(
          cycleOf(
            pages.map((p) => ({ ...p, at: s(t) })),
            s(t),
          ),
        ),
      );
    at(0, [okPage(A, page(1) + other(7), 1)]);
    // the "other" label set vanished from A's page: kept at 7 (a parked counter)
    expect(
      get(
        at(3, [okPage(A, page(2), 1)]),
        'vllm:prompt_tokens_total{model_name="other"}',
      ),
    ).toBe(7);
    // still within 5 s of its last sighting, then frozen for 5 s more, then gone
    expect(
      at(6, [okPage(A, page(3), 1)]).get(
        'vllm:prompt_tokens_total{model_name="other"}',
      ),
    ).toBe(7);
    const gone = at(12, [okPage(A, page(4), 1)]);
    expect(gone.has('vllm:prompt_tokens_total{model_name="other"}')).toBe(
      false,
    );
    // back after it was gone: a new series, its raw value
    expect(
      get(
        at(15, [okPage(A, page(5) + other(9), 1)]),
        'vllm:prompt_tokens_total{model_name="other"}',
      ),
    ).toBe(9);
  });

  it('property: merged counters never decrease and grow by the sources’ real increases', () => {
    type Op =
      | { kind: 'inc'; k: number; d: number }
      | { kind: 'restart'; k: number; v: number }
      | { kind: 'leave'; k: number }
      | { kind: 'join'; k: number; v: number }
      | { kind: 'fail'; k: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({
        kind: fc.constant('inc' as const),
        k: fc.nat(3),
        d: fc.integer({ min: 0, max: 1000 }),
      }),
      fc.record({
        kind: fc.constant('restart' as const),
        k: fc.nat(3),
        v: fc.integer({ min: 0, max: 50 }),
      }),
      fc.record({ kind: fc.constant('leave' as const), k: fc.nat(3) }),
      fc.record({
        kind: fc.constant('join' as const),
        k: fc.nat(3),
        v: fc.integer({ min: 0, max: 1e9 }),
      }),
      fc.record({ kind: fc.constant('fail' as const), k: fc.nat(3) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(op, { maxLength: 4 }), {
          minLength: 1,
          maxLength: 25,
        }),
        (cycles) => {
          // stale_after far beyond the test: a failing source keeps its last value
          const agg = new MetricsPipeline({ staleAfterMs: s(1e6) });
          const refs = [0, 1, 2, 3].map((k) => ref(10 + k, 'union'));
          const raw: (number | undefined)[] = [
            5,
            undefined,
            undefined,
            undefined,
          ];
          const failing = [false, false, false, false];
          // The oracle: each source's real increase between two reads, as a counter
          // reader sees it (a drop is a restart from 0); a joiner's first read adds 0.
          const lastRead: (number | undefined)[] = [
            undefined,
            undefined,
            undefined,
            undefined,
          ];
          let expected: number | undefined;
          let previous: number | undefined;
          for (const [t, ops] of cycles.entries()) {
            const left = new Set<number>();
            for (const o of ops) {
              const present = raw[o.k] !== undefined;
              if (o.kind === 'inc' && present) raw[o.k] = raw[o.k]! + o.d;
              else if (o.kind === 'restart' && present) raw[o.k] = o.v;
              else if (o.kind === 'leave' && present) {
                raw[o.k] = undefined;
                failing[o.k] = false;
                lastRead[o.k] = undefined;
                left.add(o.k);
              } else if (o.kind === 'join' && !present && !left.has(o.k))
                raw[o.k] = o.v;
              else if (o.kind === 'fail' && present)
                failing[o.k] = !failing[o.k];
            }
            const pages: PageResult[] = [];
            const instances: InstanceRef[] = [];
            let firstAppearance = 0;
            let increase = 0;
            raw.forEach((v, k) => {
              if (v === undefined) return;
              instances.push({
                id: 10 + k,
                role: 'union',
                paused: false,
                modelName: 'm',
              });
              if (failing[k]) {
                pages.push(failedPage(refs[k]!, 'down', s(t)));
                return;
              }
              pages.push(okPage(refs[k]!, page(v), s(t)));
              const last = lastRead[k];
              firstAppearance += v;
              if (last !== undefined) increase += v >= last ? v - last : v;
              lastRead[k] = v;
            });
            const snap = agg.ingest(cycleOf(pages, s(t), { instances }));
            const value = samples(snap).get(
              'vllm:prompt_tokens_total{model_name="m"}',
            );
            const read = pages.some((p) => p.status === 'ok');
            if (pages.length === 0) {
              // an emptied registry starts afresh
              expect(value).toBeUndefined();
              expected = previous = undefined;
              lastRead.fill(undefined);
              continue;
            }
            if (expected === undefined && !read) {
              expect(value).toBeUndefined(); // nothing read yet
              continue;
            }
            expected =
              expected === undefined ? firstAppearance : expected + increase;
            expect(value).toBe(expected);
            if (previous !== undefined)
              expect(value).toBeGreaterThanOrEqual(previous);
            previous = value;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
