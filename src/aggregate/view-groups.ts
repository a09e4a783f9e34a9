import { ROLES, type Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import type { EndpointRef } from '../scrape/scrape.types.js';
import { type SeriesCatalog } from './series-catalog.js';
import type { GroupSpec } from './view-build.types.js';
import type { ViewMemory } from './view-memory.js';
import { VIEW_LABELS, type ViewType } from './views.js';
import type { EndpointState } from './endpoint-state.js';
import { FLAG_SCOPE_DECODE, FLAG_SCOPE_PREFILL } from './series-codes.js';

/**
 * How each view groups the cycle's endpoints: a group's key, the labels it injects
 * (named and ordered by `VIEW_LABELS`) and the order groups are listed in.
 */

/** S2: what each role may not feed in the `full` view (union instances feed every scope). */
export const SCOPE_SKIP: Readonly<Record<Role, number>> = {
  prefill: FLAG_SCOPE_DECODE,
  decode: FLAG_SCOPE_PREFILL,
  union: 0,
};

/** The views that merge endpoints (and keep counters across cycles). */
const MERGED_VIEWS = ['full', 'role', 'instance', 'node'] as const;
type MergedView = (typeof MERGED_VIEWS)[number];

export function groupKey(view: MergedView | 'dp', ref: EndpointRef): string {
  switch (view) {
    case 'full':
      return '';
    case 'role':
      return ref.role;
    case 'instance':
      return String(ref.instanceId);
    case 'node':
      return `${ref.podIp}|${ref.role}`;
    case 'dp':
      return ref.key;
  }
}

/** What a group's injected labels are read from: an endpoint, or a role alone (role groups). */
type LabelSource = Partial<
  Pick<EndpointRef, 'role' | 'instanceId' | 'podIp' | 'dpRank'>
>;

function labelValue(name: string, src: LabelSource): string {
  let v: string | number | undefined;
  switch (name) {
    case 'role':
      v = src.role;
      break;
    case 'instance_id':
      v = src.instanceId;
      break;
    case 'pod_ip':
      v = src.podIp;
      break;
    case 'dp_rank':
      v = src.dpRank;
      break;
  }
  if (v === undefined) throw new Error(`no value for view label ${name}`);
  return String(v);
}

/** The labels a group of `view` injects, in the view's order. */
function injectedLabels(view: ViewType, src: LabelSource): LabelPair[] {
  return VIEW_LABELS[view].map((name) => [name, labelValue(name, src)]);
}

/** The labels a merged view's group injects, and its role (role view only). */
function groupLabels(
  view: MergedView,
  ref: EndpointRef,
): { labels: LabelPair[]; role: Role | undefined } {
  return {
    labels: injectedLabels(view, ref),
    role: view === 'role' ? ref.role : undefined,
  };
}

const ROLE_RANK: Readonly<Record<Role, number>> = {
  prefill: 0,
  decode: 1,
  union: 2,
};

/** The groups of every view for the cycle's endpoints (in target-list order), in output order. */
export function groupSpecs(
  order: readonly EndpointState[],
): Record<ViewType, GroupSpec[]> {
  const by = (
    keyOf: (st: EndpointState) => string,
  ): Map<string, EndpointState[]> => {
    const m = new Map<string, EndpointState[]>();
    for (const st of order) {
      const k = keyOf(st);
      const list = m.get(k);
      if (list) list.push(st);
      else m.set(k, [st]);
    }
    return m;
  };
  const spec = (
    key: string,
    labels: LabelPair[],
    endpoints: EndpointState[],
    role?: Role,
  ): GroupSpec => ({
    key,
    labels,
    role,
    endpoints,
  });

  const byRole = by((st) => st.ref.role);
  const role = ROLES.map((r) =>
    spec(r, injectedLabels('role', { role: r }), byRole.get(r) ?? [], r),
  );

  const instance = [...by((st) => groupKey('instance', st.ref))]
    .map(([key, eps]) => {
      const ref = eps[0]!.ref;
      return {
        id: ref.instanceId,
        s: spec(key, injectedLabels('instance', ref), eps),
      };
    })
    .sort((a, b) => a.id - b.id)
    .map((x) => x.s);

  const node = [...by((st) => groupKey('node', st.ref))]
    .map(([key, eps]) => {
      const ref = eps[0]!.ref;
      return { ref, s: spec(key, injectedLabels('node', ref), eps) };
    })
    .sort((a, b) =>
      a.ref.podIp < b.ref.podIp
        ? -1
        : a.ref.podIp > b.ref.podIp
          ? 1
          : ROLE_RANK[a.ref.role] - ROLE_RANK[b.ref.role],
    )
    .map((x) => x.s);

  const dp = [...order]
    .sort(
      (a, b) =>
        a.ref.instanceId - b.ref.instanceId ||
        (a.ref.podIp < b.ref.podIp ? -1 : a.ref.podIp > b.ref.podIp ? 1 : 0) ||
        a.ref.dpRank - b.ref.dpRank,
    )
    .map((st) => spec(st.ref.key, injectedLabels('dp', st.ref), [st]));

  return {
    full: [spec('', injectedLabels('full', {}), [...order])],
    role,
    instance,
    node,
    dp,
  };
}

/**
 * A source's counter leaves its merged series for good (the source left, or the
 * counter was missing from its pages for too long): its last value stays in each
 * merged view's group the source belongs to (S1; not in `full` for a series out of
 * the role's scope, S2).
 */
export function foldIntoGroups(
  memories: Readonly<Record<ViewType, ViewMemory>>,
  catalog: SeriesCatalog,
  ref: EndpointRef,
  sid: number,
  canon: number,
  value: number,
  now: number,
): void {
  if (Number.isNaN(value)) return;
  const mid = catalog.sidMid[sid]!;
  const skipFull = (catalog.sidFlags[sid]! & SCOPE_SKIP[ref.role]) !== 0;
  for (const view of MERGED_VIEWS) {
    if (view === 'full' && skipFull) continue;
    const key = groupKey(view, ref);
    const { labels, role } = groupLabels(view, ref);
    const memory = memories[view];
    if (mid >= 0) memory.fold(key, labels, role, mid, value, now);
    if (canon >= 0) memory.fold(key, labels, role, canon, value, now);
  }
}
