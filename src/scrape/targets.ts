import type { EndpointRef } from '../aggregate/cycle.types.js';
import type { Instance } from '../instances/instance.types.js';

export interface ScrapeTarget {
  readonly ref: EndpointRef;
  readonly url: string;
}

function hostForUrl(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** Every endpoint of every instance (paused ones too: they are still scraped). */
export function scrapeTargets(
  instances: readonly Instance[],
  port: 'mgmt_port' | 'business_port',
): ScrapeTarget[] {
  const targets: ScrapeTarget[] = [];
  for (const inst of instances) {
    for (const [ip, ranks] of Object.entries(inst.endpoints)) {
      for (const [rank, ep] of Object.entries(ranks)) {
        const dpRank = Number(rank);
        targets.push({
          ref: {
            key: `${inst.id}|${ip}|${dpRank}`,
            instanceId: inst.id,
            role: inst.role,
            podIp: ip,
            dpRank,
            modelName: inst.model_name,
          },
          url: `http://${hostForUrl(ip)}:${ep[port]}/metrics`,
        });
      }
    }
  }
  return targets;
}
