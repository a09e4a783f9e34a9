import type { Role } from '../instances/role.js';

/**
 * What the scrape stage hands down the data path: the endpoints it scrapes and
 * what each scrape produced. Plain data only, so a cycle can be handed to a
 * worker thread unchanged.
 */

/** The one identity of an endpoint across cycles: one DP rank of one instance's pod. */
export function endpointKey(
  instanceId: number,
  podIp: string,
  dpRank: number,
): string {
  return `${instanceId}|${podIp}|${dpRank}`;
}

/** One scrape target: one DP rank of one instance. */
export interface EndpointRef {
  /** Stable identity across cycles: `endpointKey()`. */
  readonly key: string;
  readonly instanceId: number;
  readonly role: Role;
  readonly podIp: string;
  readonly dpRank: number;
  /** The registry's `model_name` of the instance (S5); '' when unknown. */
  readonly modelName?: string;
}

export interface InstanceRef {
  readonly id: number;
  readonly role: Role;
  readonly paused: boolean;
  /** The registry's `model_name` (S5); '' when unknown. */
  readonly modelName?: string;
}

/** What one scrape of one endpoint produced. */
export interface PageResult {
  readonly endpoint: EndpointRef;
  /** `ok` = HTTP 200 and a body was read; parse failures are judged by the pipeline. */
  readonly status: 'ok' | 'error';
  /** Raw (already decompressed) body; present when status is `ok`. */
  readonly body?: string;
  /** Short reason when status is `error` (timeout, ECONNREFUSED, HTTP 500, too large…). */
  readonly error?: string;
  /** When the response finished (ms since epoch). */
  readonly at: number;
}
