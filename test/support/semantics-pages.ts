import type { Role } from '../../src/instances/role.js';
import { endpointRef } from '../../src/aggregate/cycle-builder.js';
import type { EndpointRef } from '../../src/scrape/scrape.types.js';
import type { ViewType } from '../../src/aggregate/views.js';
import type { RenderedViews } from '../../src/render/rendered-views.js';

/**
 * What the SPEC §3.1 specs of src/aggregate write and read: exposition pages of
 * counters, gauges and histograms for loopback endpoints, and the rendered views read
 * back as `series text → value`.
 */

export function samples(
  snapshot: RenderedViews,
  view: ViewType = 'full',
): Map<string, number> {
  const text = snapshot.render(view, undefined, 'prometheus').body.toString();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return out;
}
export function get(m: Map<string, number>, key: string): number {
  const v = m.get(key);
  if (v === undefined)
    throw new Error(`missing ${key}\n${[...m.keys()].join('\n')}`);
  return v;
}
export const header = (snapshot: RenderedViews, view: ViewType = 'full') =>
  snapshot.render(view, undefined, 'prometheus').body.toString();

export const counter = (name: string, value: number, labels = '') =>
  `# TYPE ${name} counter\n${name}${labels === '' ? '' : `{${labels}}`} ${value}\n`;
export const gauge = (name: string, value: number, labels = '') =>
  `# TYPE ${name} gauge\n${name}${labels === '' ? '' : `{${labels}}`} ${value}\n`;
export function histogram(
  name: string,
  buckets: readonly [string, number][],
  sum: number,
  labels = 'model_name="m"',
): string {
  const lines = [`# TYPE ${name} histogram`];
  for (const [le, c] of buckets)
    lines.push(`${name}_bucket{le="${le}",${labels}} ${c}`);
  const count = buckets[buckets.length - 1]![1];
  lines.push(
    `${name}_sum{${labels}} ${sum}`,
    `${name}_count{${labels}} ${count}`,
  );
  return lines.join('\n') + '\n';
}

export const ref = (id: number, role: Role, model = 'm'): EndpointRef =>
  endpointRef(id, role, `127.0.0.${id}`, 0, model);
export const s = (seconds: number) => seconds * 1000;
