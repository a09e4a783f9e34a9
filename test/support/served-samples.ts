import type { Harness } from './app-harness.js';

/** Samples of `name` in a view as the coordinator serves it now. */
export async function served(
  h: Harness,
  view: string,
  name: string,
): Promise<number[]> {
  const text = await (await fetch(`${h.obs}/metrics?type=${view}`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
}

export const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
