import type { Role } from '../instances/role.js';
import type { InstanceRef } from '../scrape/scrape.types.js';
import type { CycleInput } from './aggregate.types.js';
import type { SeriesCatalog } from './series-catalog.js';
import type { BuildContext } from './view-build.types.js';
import { SCOPE_SKIP } from './view-groups.js';

/** What every view of one cycle reads besides the groups: times, settings, worker counts. */

export function cycleContext(
  catalog: SeriesCatalog,
  cycle: Omit<CycleInput, 'pages' | 'instances'>,
  instances: readonly InstanceRef[],
  staleAfterMs: number,
  windowMs: number,
): BuildContext {
  return {
    catalog,
    startedAt: cycle.startedAt,
    finishedAt: cycle.finishedAt,
    staleAfterMs,
    windowMs,
    skipMask: SCOPE_SKIP,
    workers: activeWorkers(catalog, instances),
    pd: { prefillE2e: new Map(), decodeTtft: new Map() },
  };
}

/** Registered, not paused instances per role, one entry per registered model (S5). */
function activeWorkers(
  catalog: SeriesCatalog,
  instances: readonly InstanceRef[],
): Map<number, Record<Role, number>> {
  const byModel = new Map<number, Record<Role, number>>();
  for (const i of instances) {
    const model = catalog.model(i.modelName ?? '');
    let w = byModel.get(model);
    if (!w) byModel.set(model, (w = { prefill: 0, decode: 0, union: 0 }));
    if (!i.paused) w[i.role]++;
  }
  return new Map(
    [...byModel].sort((a, b) =>
      catalog.models[a[0]]! < catalog.models[b[0]]! ? -1 : 1,
    ),
  );
}
