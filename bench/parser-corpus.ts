import type { EndpointRef } from '../src/scrape/scrape.types.js';
import {
  cycleOf,
  endpointRef,
  okPage,
} from '../src/aggregate/cycle-builder.js';
import type { Role } from '../src/instances/role.js';
import {
  fixtureNames,
  readFixture,
  SYNTHETIC_PAGE,
} from '../test/support/fixtures.js';
import type { CycleInput } from '../src/aggregate/aggregate.types.js';

/** Pages used by the parser benchmarks: the real fixtures and generated vLLM V1 pages. */

export function fixturePages(): string[] {
  return fixtureNames().map((name) => readFixture(name));
}

/**
 * `count` variants of the generated vLLM page: each with its own engine index and
 * values scaled by a per-page factor (same shape and size, different numbers), so
 * the parser cannot benefit from identical value strings.
 */
export function syntheticPages(count: number): string[] {
  const base = readFixture(SYNTHETIC_PAGE);
  const pages: string[] = [];
  for (let k = 0; k < count; k++) {
    const factor = 1 + k / 7;
    pages.push(
      base
        .replace(/engine="0"/g, `engine="${k % 8}"`)
        .replace(
          /^([^#\n][^\n]*) ([0-9.e+-]+)$/gm,
          (_m, series: string, v: string) => {
            const n = Number(v) * factor;
            return `${series} ${Number.isInteger(Number(v)) ? Math.round(n).toFixed(1) : String(n)}`;
          },
        ),
    );
  }
  return pages;
}

export function totalBytes(pages: readonly string[]): number {
  return pages.reduce((n, p) => n + Buffer.byteLength(p), 0);
}

/**
 * A cluster-sized cycle: `endpoints` endpoints (16 DP ranks per instance, 8 per pod,
 * instances alternating prefill/decode), each answering one of the generated pages.
 */
export function clusterRefs(endpoints: number): EndpointRef[] {
  const refs: EndpointRef[] = [];
  for (let e = 0; e < endpoints; e++) {
    const instance = Math.floor(e / 16);
    const role: Role = instance % 2 === 0 ? 'prefill' : 'decode';
    refs.push(
      endpointRef(
        instance,
        role,
        `127.0.${Math.floor(e / 8) >> 8}.${Math.floor(e / 8) & 255}`,
        e % 16,
      ),
    );
  }
  return refs;
}

export function clusterCycle(
  refs: readonly EndpointRef[],
  pages: readonly string[],
  cycle: number,
  periodMs = 3000,
): CycleInput {
  const finishedAt = 1_700_000_000_000 + cycle * periodMs;
  return cycleOf(
    refs.map((ref, e) => {
      // Same engine index for an endpoint in every cycle (as a real engine), other values.
      const k =
        (e % 8) +
        8 * ((Math.floor(e / 8) + cycle) % Math.max(1, pages.length / 8));
      return okPage(ref, pages[k % pages.length]!, finishedAt - 10);
    }),
    finishedAt,
    { startedAt: finishedAt - 1000 },
  );
}
