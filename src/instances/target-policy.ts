import { BlockList, isIP } from 'node:net';

/**
 * Which endpoint addresses may be registered (and so scraped). Refused:
 * addresses that name no single host (unspecified, multicast, broadcast),
 * link-local ones (the cloud metadata services live there) and zone-scoped
 * ones. Loopback and private ranges stay allowed: engines live there. An
 * optional allowlist of CIDRs narrows the rest.
 *
 * The built-in ranges are tested with integer arithmetic (a refresh or a
 * scrape plan may hold thousands of endpoints); only the allowlist uses a
 * BlockList.
 */
function ipv4Refusal(ip: string): string | null {
  const [a, b, c, d] = ip.split('.').map(Number) as [
    number,
    number,
    number,
    number,
  ];
  if (a === 0) return 'unspecified address';
  if (a === 169 && b === 254) return 'link-local address (cloud metadata)';
  if (a >= 224 && a <= 239) return 'multicast address';
  if (a === 255 && b === 255 && c === 255 && d === 255)
    return 'broadcast address';
  return null;
}

/** `canonical` is compressed lower-case IPv6 (see canonicalIp). */
function ipv6Refusal(canonical: string): string | null {
  if (canonical === '::') return 'unspecified address';
  if (canonical === 'fd00:ec2::254') return 'cloud metadata address (AWS)';
  const first = canonical.startsWith(':')
    ? 0
    : parseInt(canonical.slice(0, canonical.indexOf(':')), 16);
  if ((first & 0xffc0) === 0xfe80) return 'link-local address';
  if ((first & 0xff00) === 0xff00) return 'multicast address';
  return null;
}

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
    const builtIn =
      family === 'ipv4' ? ipv4Refusal(canonical) : ipv6Refusal(canonical);
    if (builtIn !== null) return builtIn;
    if (this.allowed !== null && !this.allowed.check(canonical, family)) {
      return `outside prometheus_metrics_config.scrape_allowed_cidrs (${this.allowedCidrs.join(', ')})`;
    }
    return null;
  }
}

/** The built-in refusals alone (no allowlist). */
export const BUILT_IN_TARGET_POLICY = new TargetPolicy();
