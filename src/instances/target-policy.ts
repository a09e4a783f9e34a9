import { BlockList, isIP } from 'node:net';

/**
 * Which endpoint addresses may be registered (and so scraped). Refused:
 * addresses that name no single host (unspecified, multicast, broadcast),
 * link-local ones (the cloud metadata services live there) and zone-scoped
 * ones. Loopback and private ranges stay allowed: engines live there. An
 * optional allowlist of CIDRs narrows the rest.
 */
const REFUSED: readonly (readonly [string, number, 'ipv4' | 'ipv6', string])[] =
  [
    ['0.0.0.0', 8, 'ipv4', 'unspecified address'],
    ['169.254.0.0', 16, 'ipv4', 'link-local address (cloud metadata)'],
    ['224.0.0.0', 4, 'ipv4', 'multicast address'],
    ['255.255.255.255', 32, 'ipv4', 'broadcast address'],
    ['::', 128, 'ipv6', 'unspecified address'],
    ['fe80::', 10, 'ipv6', 'link-local address'],
    ['ff00::', 8, 'ipv6', 'multicast address'],
    ['fd00:ec2::254', 128, 'ipv6', 'cloud metadata address (AWS)'],
  ];

const refusedLists = REFUSED.map(([net, prefix, family, reason]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, family, reason };
});

function familyOf(ip: string): 'ipv4' | 'ipv6' {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

/**
 * The one spelling of an address: IPv4 dotted decimal, IPv6 compressed lower
 * case, IPv4-mapped IPv6 (`::ffff:127.0.0.1`) as the IPv4 address it maps.
 * Null for anything that is not a plain IP address (host names, zone ids).
 */
export function canonicalIp(ip: string): string | null {
  if (ip.includes('%')) return null;
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return null;
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped === null) return host;
  const hi = parseInt(mapped[1]!, 16);
  const lo = parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** `10.0.0.0/8` → its parts, or null when it is not a CIDR. */
export function parseCidr(
  cidr: string,
): { net: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (m === null) return null;
  const net = canonicalIp(m[1]!);
  if (net === null) return null;
  const family = familyOf(net);
  const prefix = Number(m[2]);
  if (prefix > (family === 'ipv4' ? 32 : 128)) return null;
  return { net, prefix, family };
}

export class TargetPolicy {
  private readonly allowed: BlockList | null;

  /** `allowedCidrs` empty: every address not refused is allowed. */
  constructor(private readonly allowedCidrs: readonly string[] = []) {
    if (allowedCidrs.length === 0) {
      this.allowed = null;
      return;
    }
    this.allowed = new BlockList();
    for (const cidr of allowedCidrs) {
      const c = parseCidr(cidr);
      if (c === null) throw new Error(`not a CIDR: ${JSON.stringify(cidr)}`);
      this.allowed.addSubnet(c.net, c.prefix, c.family);
    }
  }

  /** Why this address may not be a scrape target, or null when it may. */
  refusal(ip: string): string | null {
    if (ip.includes('%')) return 'zone-scoped address';
    const canonical = canonicalIp(ip);
    if (canonical === null) return 'not an IPv4 or IPv6 address';
    const family = familyOf(canonical);
    for (const r of refusedLists) {
      if (r.family === family && r.list.check(canonical, family))
        return r.reason;
    }
    if (this.allowed !== null && !this.allowed.check(canonical, family)) {
      return `outside prometheus_metrics_config.scrape_allowed_cidrs (${this.allowedCidrs.join(', ')})`;
    }
    return null;
  }
}

/** The built-in refusals alone (no allowlist). */
export const BUILT_IN_TARGET_POLICY = new TargetPolicy();
