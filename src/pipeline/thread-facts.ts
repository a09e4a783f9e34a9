import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Linux facts about the calling thread, read from /proc/thread-self. Elsewhere
 * (or without /proc) every function answers undefined / false.
 */

/** USER_HZ: the unit of utime/stime in /proc, fixed at 100 by the Linux ABI. */
const USER_HZ = 100;

/** The kernel's id of the calling thread. */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Gives the calling thread a nice value (0..19): under CPU contention the
 * scheduler then prefers the process's other threads, e.g. its event loop.
 */
export function niceThread(nice: number): boolean {
  const tid = threadId();
  if (tid === undefined) return false;
  try {
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU seconds the calling thread has used. */
export function threadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after "(comm)": state is field 3, utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[11]) + Number(rest[12]);
    return Number.isFinite(ticks) ? ticks / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}
