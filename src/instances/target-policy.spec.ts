import { canonicalIp, parseCidr, TargetPolicy } from './target-policy.js';

// Validation only: nothing here registers or scrapes an address.
describe('canonicalIp', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:10.1.2.3', '10.1.2.3'],
    ['::ffff:a01:203', '10.1.2.3'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FD00:EC2:0:0:0:0:0:254', 'fd00:ec2::254'],
    ['2001:db8::1', '2001:db8::1'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalIp(input)).toBe(expected);
  });

  it.each(['localhost', '127.0.0', 'fe80::1%eth0', '', '1.2.3.4.5'])(
    'is null for %j',
    (input) => {
      expect(canonicalIp(input)).toBeNull();
    },
  );
});

describe('TargetPolicy', () => {
  const policy = new TargetPolicy();

  it.each([
    ['0.0.0.0', 'unspecified address'],
    ['0.1.2.3', 'unspecified address'],
    ['::', 'unspecified address'],
    ['169.254.169.254', 'link-local address (cloud metadata)'],
    ['::ffff:169.254.169.254', 'link-local address (cloud metadata)'],
    ['fe80::1', 'link-local address'],
    ['febf::1', 'link-local address'],
    ['fe80::1%eth0', 'zone-scoped address'],
    ['224.0.0.1', 'multicast address'],
    ['239.1.2.3', 'multicast address'],
    ['ff02::1', 'multicast address'],
    ['255.255.255.255', 'broadcast address'],
    ['fd00:ec2::254', 'cloud metadata address (AWS)'],
    ['localhost', 'not an IPv4 or IPv6 address'],
  ])('refuses %s: %s', (ip, reason) => {
    expect(policy.refusal(ip)).toBe(reason);
  });

  it.each([
    '127.0.0.1',
    '127.5.6.7',
    '::1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    'fd00::1',
    'fd00:ec2::253',
    'fec0::1',
    '169.253.255.255',
    '169.255.0.0',
    '223.255.255.255',
    '240.0.0.1',
    '2001:db8::1',
  ])('allows %s (loopback, private and public ranges)', (ip) => {
    expect(policy.refusal(ip)).toBeNull();
  });

  it('narrows to the allowlist, mapped addresses included', () => {
    const allow = new TargetPolicy(['10.0.0.0/8', 'fd00::/8']);
    expect(allow.refusal('10.20.30.40')).toBeNull();
    expect(allow.refusal('::ffff:10.20.30.40')).toBeNull();
    expect(allow.refusal('fd12::1')).toBeNull();
    expect(allow.refusal('192.168.1.1')).toBe(
      'outside prometheus_metrics_config.scrape_allowed_cidrs (10.0.0.0/8, fd00::/8)',
    );
    // The built-in refusals hold inside an allowed range.
    expect(new TargetPolicy(['0.0.0.0/0']).refusal('169.254.169.254')).toBe(
      'link-local address (cloud metadata)',
    );
  });

  it('parses CIDRs', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({
      net: '10.0.0.0',
      prefix: 8,
      family: 'ipv4',
    });
    expect(parseCidr('::1/128')).toEqual({
      net: '::1',
      prefix: 128,
      family: 'ipv6',
    });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '::/129', 'x/8', '/8'])
      expect(parseCidr(bad)).toBeNull();
    expect(() => new TargetPolicy(['nope'])).toThrow('not a CIDR: "nope"');
  });
});
