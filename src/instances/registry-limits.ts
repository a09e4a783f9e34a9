import { RefreshRejectedError } from './refresh-rejected.error.js';
import type { Instance, RefreshCommand } from './instance.types.js';
import { canonicalIp } from './target-policy.js';

/** What a registry may hold, checked after a refresh is applied. */
export interface RegistryLimits {
  readonly maxInstances: number;
  readonly maxEndpoints: number;
  /** The port that is scraped: two endpoints may not share address:port. */
  readonly scrapePort: 'mgmt_port' | 'business_port';
  /** How many conflicts an answer lists. */
  readonly maxErrorsListed: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = Object.freeze({
  maxInstances: 4096,
  maxEndpoints: 16384,
  scrapePort: 'mgmt_port',
  maxErrorsListed: 20,
});

function endpointCount(inst: Instance): number {
  let n = 0;
  for (const ranks of Object.values(inst.endpoints))
    n += Object.keys(ranks).length;
  return n;
}

/**
 * Throws RefreshRejectedError when the registry `next` (the result of
 * applying `command` to `current`) breaks a limit. Linear in the registry.
 * Only add/set can grow the registry or introduce a duplicate; a registry that
 * is already over a limit (lowered in the config) may always shrink.
 */
export function checkRegistry(
  current: ReadonlyMap<number, Instance>,
  next: ReadonlyMap<number, Instance>,
  command: RefreshCommand,
  limits: RegistryLimits,
): void {
  if (command.event !== 'add' && command.event !== 'set') return;
  if (next.size > limits.maxInstances && next.size > current.size) {
    throw new RefreshRejectedError(
      'limit',
      `the registry would hold ${next.size} instances; the limit is refresh_limits_config.max_instances = ${limits.maxInstances}`,
    );
  }
  let before = 0;
  for (const inst of current.values()) before += endpointCount(inst);
  let after = 0;
  for (const inst of next.values()) after += endpointCount(inst);
  if (after > limits.maxEndpoints && after > before) {
    throw new RefreshRejectedError(
      'limit',
      `the registry would hold ${after} endpoints; the limit is refresh_limits_config.max_endpoints = ${limits.maxEndpoints}`,
    );
  }
  const incoming = new Set(command.instances.map((i) => i.id));
  // Endpoints the command does not touch first, so a clash names the
  // registered endpoint and the new one.
  const seen = new Map<string, string>();
  const problems: string[] = [];
  let more = 0;
  const visit = (inst: Instance) => {
    for (const [ip, ranks] of Object.entries(inst.endpoints)) {
      for (const [rank, ep] of Object.entries(ranks)) {
        const address = `${canonicalIp(ip) ?? ip}:${ep[limits.scrapePort]}`;
        const where = `instance ${inst.id} endpoints[${JSON.stringify(ip)}][${JSON.stringify(rank)}]`;
        const other = seen.get(address);
        if (other === undefined) seen.set(address, where);
        else if (incoming.has(inst.id)) {
          if (problems.length < limits.maxErrorsListed)
            problems.push(
              `${where} and ${other} both name ${address} (${limits.scrapePort})`,
            );
          else more++;
        }
      }
    }
  };
  for (const inst of next.values()) if (!incoming.has(inst.id)) visit(inst);
  for (const inst of next.values()) if (incoming.has(inst.id)) visit(inst);
  if (problems.length > 0) {
    if (more > 0) problems.push(`… and ${more} more`);
    throw new RefreshRejectedError(
      'conflict',
      'endpoints that would be scraped twice',
      problems,
    );
  }
}
