import type {
  EndpointDef,
  Instance,
  RefreshCommand,
} from '../../instances/instance.types.js';
import { normalizeRole } from '../../instances/role.js';
import { canonicalIp } from '../../instances/target-policy.js';
import {
  parsePort,
  UPSTREAM_FIELDS,
  type InstanceDto,
  type RefreshRequestDto,
} from './refresh.dto.js';

/**
 * Validated DTO → domain command (addresses canonical, e.g. `::ffff:10.0.0.1`
 * stored as `10.0.0.1`; ports as integers; role normalized; upstream fields
 * kept as parsed).
 */
export function toCommand(dto: RefreshRequestDto): RefreshCommand {
  if (dto.event === 'add' || dto.event === 'set') {
    return {
      event: dto.event,
      instances: (dto.instances as InstanceDto[]).map(toInstance),
    };
  }
  return { event: dto.event, ids: dto.instances.map((i) => i.id) };
}

function toInstance(dto: InstanceDto): Instance {
  const endpoints: Record<string, Record<string, EndpointDef>> = {};
  for (const [key, ranks] of Object.entries(dto.endpoints)) {
    const ip = canonicalIp(key) ?? key;
    const out: Record<string, EndpointDef> = {};
    for (const [rank, ep] of Object.entries(ranks)) {
      out[rank] = {
        id: ep.id,
        ip,
        business_port: parsePort(ep.business_port)!,
        mgmt_port: parsePort(ep.mgmt_port)!,
      };
    }
    endpoints[ip] = out;
  }
  const extra = dto[UPSTREAM_FIELDS] ?? {};
  return {
    id: dto.id,
    job_name: dto.job_name,
    model_name: dto.model_name,
    role: normalizeRole(dto.role)!,
    endpoints,
    status: 'active',
    extra,
  };
}
