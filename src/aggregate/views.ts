/**
 * The views of SPEC §3 and the labels each one injects: the one source of
 * their names, their index in per-view tables and their injected label order.
 */

export type ViewType = 'full' | 'instance' | 'role' | 'dp' | 'node';
export const VIEW_TYPES: readonly ViewType[] = [
  'full',
  'instance',
  'role',
  'dp',
  'node',
];

export const VIEW_INDEX: Readonly<Record<ViewType, number>> = {
  full: 0,
  instance: 1,
  role: 2,
  dp: 3,
  node: 4,
};

/** Label names each view injects, in order. */
export const VIEW_LABELS: Readonly<Record<ViewType, readonly string[]>> = {
  full: [],
  instance: ['instance_id', 'role'],
  role: ['role'],
  dp: ['dp_rank', 'role', 'instance_id', 'pod_ip'],
  node: ['pod_ip', 'role'],
};
