import type { Role } from '../instances/role.js';
import type { LabelPair } from '../parse/label-block.js';
import type { GroupOutput } from './aggregate.types.js';
import type { QuantileWindow } from './quantile-window.js';
import type { ViewType } from './views.js';

/** What a merged view remembers of each group from one cycle to the next. */

export interface Frozen {
  /** What departed sources left and joining sources brought with them (S1). */
  base: number;
  /** Last time the merged series had a live source (ms). */
  liveAt: number;
}

/** A merged view group's state across cycles. */
export interface GroupMemory {
  readonly labels: readonly LabelPair[];
  readonly role: Role | undefined;
  readonly frozen: Map<number, Frozen>;
  prev: GroupOutput | undefined;
  window: QuantileWindow | undefined;
}

/** State a view keeps across cycles, per group key. */
export class ViewMemory {
  readonly groups = new Map<string, GroupMemory>();

  group(
    key: string,
    labels: readonly LabelPair[],
    role: Role | undefined,
  ): GroupMemory {
    let g = this.groups.get(key);
    if (!g) {
      g = {
        labels,
        role,
        frozen: new Map(),
        prev: undefined,
        window: undefined,
      };
      this.groups.set(key, g);
    }
    return g;
  }

  /** A source leaves a merged series for good: its last value stays in the series (S1). */
  fold(
    key: string,
    labels: readonly LabelPair[],
    role: Role | undefined,
    mid: number,
    value: number,
    now: number,
  ): void {
    const frozen = this.group(key, labels, role).frozen;
    const f = frozen.get(mid);
    if (f) {
      f.base += value;
      f.liveAt = Math.max(f.liveAt, now);
    } else frozen.set(mid, { base: value, liveAt: now });
  }
}

/** A fresh memory for each view. */
export function viewMemories(): Record<ViewType, ViewMemory> {
  return {
    full: new ViewMemory(),
    role: new ViewMemory(),
    instance: new ViewMemory(),
    node: new ViewMemory(),
    dp: new ViewMemory(),
  };
}
