import type { Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import type { ViewType } from './cycle.types.js';

/** What the aggregator hands to the renderers: per view, per group, merged cells. */

export interface GroupOutput {
  /** Labels the view injects, in order (`dp_rank`, `role`, `instance_id`, `pod_ip`…). */
  readonly labels: readonly LabelPair[];
  /** The same, pre-rendered and escaped (`role="decode",…`), empty for none. */
  readonly labelText: string;
  /** The group's role in the `role` view (for the role filter). */
  readonly role: Role | undefined;
  /** Merged series ids in render order, and their values. */
  readonly mids: Int32Array;
  readonly values: Float64Array;
  /** ms epoch at which each cell's series first appeared in this group (OTLP start time). */
  readonly since?: Float64Array | number;
}

export interface ViewOutput {
  readonly view: ViewType;
  readonly groups: readonly GroupOutput[];
  /** Family id → 1 when a page of the view declared the family (kept even with no sample). */
  readonly declared: Uint8Array;
}

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
