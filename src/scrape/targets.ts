import type { Instance } from '../instances/instance.types.js';
import {
  BUILT_IN_TARGET_POLICY,
  canonicalIp,
} from '../instances/target-policy.js';
import { endpointKey, type EndpointRef } from './scrape.types.js';

export interface ScrapeTarget {
  readonly ref: EndpointRef;
  readonly url: string;
}

function hostForUrl(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/**
 * Every endpoint of every instance (paused ones too: they are still scraped).
 * The refresh already refuses addresses nobody should scrape and duplicate
 * address:port endpoints; this edge holds the line for registries written
 * before that (etcd): such endpoints are skipped, each URL is fetched once.
 */
export function scrapeTargets(
  instances: readonly Instance[],
  port: 'mgmt_port' | 'business_port',
): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  const urls = new Set<string>();
  for (const inst of instances) {
    for (const [key, ranks] of Object.entries(inst.endpoints)) {
      if (BUILT_IN_TARGET_POLICY.refusal(key) !== null) continue;
      const ip = canonicalIp(key) ?? key;
      for (const [rank, ep] of Object.entries(ranks)) {
        const url = `http://${hostForUrl(ip)}:${ep[port]}/metrics`;
        if (urls.has(url)) continue;
        urls.add(url);
        const dpRank = Number(rank);
        targets.push({
          ref: {
            key: endpointKey(inst.id, key, dpRank),
            instanceId: inst.id,
            role: inst.role,
            podIp: key,
            dpRank,
            modelName: inst.model_name,
          },
          url,
        });
      }
    }
  }
  return targets;
}
