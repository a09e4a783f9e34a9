import { PayloadTooLargeException } from '@nestjs/common';
import { RequestValidationException } from '../http/validation.js';
import type { AppConfig } from '../../config/config.schema.js';
import { canonicalIp, TargetPolicy } from '../../instances/target-policy.js';
import {
  InstanceDto,
  InstanceIdDto,
  parsePort,
  RefreshRequestDto,
  UPSTREAM_FIELDS,
} from './refresh.dto.js';

/**
 * The refresh body before and around class-validator, in time linear in the
 * body: limits first (413 naming the limit), then a projection onto the DTO
 * classes that copies only the known fields (upstream fields stay opaque
 * JSON, never walked by class-transformer), then after validation the scrape
 * target policy and duplicate address:port endpoints.
 */
export interface RefreshBodyLimits {
  readonly maxInstances: number;
  readonly maxEndpointsPerInstance: number;
  readonly maxStringLength: number;
  readonly maxUpstreamKeys: number;
  readonly maxUpstreamBytes: number;
  readonly maxErrorsListed: number;
}

export function refreshBodyLimitsFrom(config: AppConfig): RefreshBodyLimits {
  const l = config.refresh_limits_config;
  return {
    maxInstances: l.max_instances,
    maxEndpointsPerInstance: l.max_endpoints_per_instance,
    maxStringLength: l.max_string_length,
    maxUpstreamKeys: l.max_upstream_keys,
    maxUpstreamBytes: l.max_upstream_bytes,
    maxErrorsListed: l.max_errors_listed,
  };
}

export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'job_name',
  'model_name',
  'role',
  'endpoints',
]);
const ID_ONLY_EVENTS: ReadonlySet<unknown> = new Set([
  'del',
  'pause',
  'resume',
]);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Keeps the first `max` messages and says how many more there were. */
export class BoundedList {
  readonly items: string[] = [];
  private more = 0;
  constructor(private readonly max: number) {}
  push(message: string): void {
    if (this.items.length < this.max) this.items.push(message);
    else this.more++;
  }
  get size(): number {
    return this.items.length + this.more;
  }
  list(): string[] {
    return this.more > 0
      ? [...this.items, `… and ${this.more} more`]
      : [...this.items];
  }
}

/** Object keys and array items in `value`, counted without recursion; stops past `max`. */
function countKeys(value: unknown, max: number): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && n <= max) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    for (const child of Object.values(v)) {
      if (++n > max) break;
      if (typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return n;
}

function tooLong(
  at: string,
  length: number,
  limits: RefreshBodyLimits,
): string {
  return `${at}: ${length} characters; the limit is refresh_limits_config.max_string_length = ${limits.maxStringLength}`;
}

/** The size limits of one instance definition, problems into `out`. */
function instanceLimitProblems(
  item: Record<string, unknown>,
  at: string,
  limits: RefreshBodyLimits,
  out: BoundedList,
): void {
  for (const field of ['job_name', 'model_name', 'role'] as const) {
    const v = item[field];
    if (typeof v === 'string' && v.length > limits.maxStringLength)
      out.push(tooLong(`${at}.${field}`, v.length, limits));
  }
  const endpoints = item.endpoints;
  if (isPlainObject(endpoints)) {
    let count = 0;
    for (const ip of Object.keys(endpoints)) {
      if (ip.length > limits.maxStringLength) {
        out.push(tooLong(`${at}.endpoints key`, ip.length, limits));
        continue;
      }
      const ranks = endpoints[ip];
      if (!isPlainObject(ranks)) continue;
      for (const rank of Object.keys(ranks)) {
        count++;
        if (rank.length > limits.maxStringLength)
          out.push(
            tooLong(
              `${at}.endpoints[${JSON.stringify(ip)}] key`,
              rank.length,
              limits,
            ),
          );
      }
    }
    if (count > limits.maxEndpointsPerInstance)
      out.push(
        `${at}.endpoints: ${count} endpoints; the limit is refresh_limits_config.max_endpoints_per_instance = ${limits.maxEndpointsPerInstance}`,
      );
  }
  const upstream: Record<string, unknown> = {};
  let extras = 0;
  for (const key of Object.keys(item)) {
    if (KNOWN_FIELDS.has(key)) continue;
    upstream[key] = item[key];
    extras++;
  }
  if (extras === 0) return;
  const keys = countKeys(upstream, limits.maxUpstreamKeys);
  if (keys > limits.maxUpstreamKeys) {
    out.push(
      `${at}: its upstream fields (${Object.keys(upstream).slice(0, 5).join(', ')}) hold more than ${limits.maxUpstreamKeys} keys; the limit is refresh_limits_config.max_upstream_keys`,
    );
    return;
  }
  const bytes = Buffer.byteLength(JSON.stringify(upstream));
  if (bytes > limits.maxUpstreamBytes)
    out.push(
      `${at}: its upstream fields take ${bytes} bytes as JSON; the limit is refresh_limits_config.max_upstream_bytes = ${limits.maxUpstreamBytes}`,
    );
}

/**
 * Checks the limits (413 with every broken limit, bounded) and projects the
 * body onto the DTO classes. Only the known fields are copied; the other
 * fields of a full definition are kept aside, as parsed, under
 * `UPSTREAM_FIELDS`.
 */
export function prepareRefreshBody(
  raw: unknown,
  limits: RefreshBodyLimits,
): RefreshRequestDto {
  const dto = new RefreshRequestDto();
  if (!isPlainObject(raw)) return dto;
  if ('event' in raw) dto.event = raw.event as RefreshRequestDto['event'];
  if (!('instances' in raw)) return dto;
  const instances = raw.instances;
  if (!Array.isArray(instances)) {
    dto.instances = instances as RefreshRequestDto['instances'];
    return dto;
  }
  if (instances.length > limits.maxInstances) {
    throw new PayloadTooLargeException({
      message: `instances: ${instances.length} in one request; the limit is refresh_limits_config.max_instances = ${limits.maxInstances}`,
    });
  }
  const full = !ID_ONLY_EVENTS.has(raw.event);
  const problems = new BoundedList(limits.maxErrorsListed);
  // An instance that is not an object (an array, a number, null) has no field to validate.
  const shapes = new BoundedList(limits.maxErrorsListed);
  instances.forEach((item: unknown, i) => {
    if (!isPlainObject(item)) shapes.push(`instances[${i}]: must be an object`);
  });
  if (shapes.size > 0) throw new RequestValidationException(shapes.list());
  const projected = instances.map((item: unknown, i) => {
    if (!isPlainObject(item)) return item;
    if (!full) {
      const idDto = new InstanceIdDto();
      if ('id' in item) idDto.id = item.id as number;
      return idDto;
    }
    instanceLimitProblems(item, `instances[${i}]`, limits, problems);
    const def = new InstanceDto();
    const upstream: Record<string, unknown> = {};
    for (const key of Object.keys(item)) {
      if (KNOWN_FIELDS.has(key))
        (def as unknown as Record<string, unknown>)[key] = item[key];
      else upstream[key] = item[key];
    }
    def[UPSTREAM_FIELDS] = upstream;
    return def;
  });
  if (problems.size > 0) {
    throw new PayloadTooLargeException({
      message: 'request exceeds refresh limits',
      errors: problems.list(),
    });
  }
  dto.instances = projected as RefreshRequestDto['instances'];
  return dto;
}

/**
 * After validation: each endpoint address passes the target policy, two IP
 * keys of one instance are not the same address, and no two endpoints of the
 * request share the scraped address:port. Only well-formed endpoints are
 * looked at (the others already have their message).
 */
export function endpointPolicyProblems(
  dto: RefreshRequestDto,
  policy: TargetPolicy,
  scrapePort: 'mgmt_port' | 'business_port',
  out: BoundedList,
): void {
  if (ID_ONLY_EVENTS.has(dto.event) || !Array.isArray(dto.instances)) return;
  const seen = new Map<string, string>();
  dto.instances.forEach((item: unknown, i) => {
    if (!isPlainObject(item) || !isPlainObject(item.endpoints)) return;
    const ips = new Map<string, string>();
    for (const [ip, ranks] of Object.entries(item.endpoints)) {
      const at = `instances[${i}].endpoints[${JSON.stringify(ip)}]`;
      const canonical = canonicalIp(ip);
      const refusal = policy.refusal(ip);
      if (refusal !== null) {
        // Not an address at all is reported by the endpoint map check.
        if (canonical !== null || ip.includes('%'))
          out.push(`${at}: ${ip} is refused as a scrape target: ${refusal}`);
        continue;
      }
      if (canonical === null) continue;
      const sameIp = ips.get(canonical);
      if (sameIp !== undefined) {
        out.push(
          `${at}: the same address as ${sameIp} (${canonical}); list its endpoints under one key`,
        );
        continue;
      }
      ips.set(canonical, at);
      if (!isPlainObject(ranks)) continue;
      for (const [rank, ep] of Object.entries(ranks)) {
        if (!isPlainObject(ep)) continue;
        const port = parsePort(ep[scrapePort]);
        if (port === null) continue;
        const where = `${at}[${JSON.stringify(rank)}]`;
        const address = `${canonical}:${port}`;
        const other = seen.get(address);
        if (other !== undefined)
          out.push(
            `${where} and ${other} both name ${address} (${scrapePort}); each engine is scraped once`,
          );
        else seen.set(address, where);
      }
    }
  });
}
