import type {
  EndpointDef,
  Instance,
  RefreshCommand,
} from '../../instances/instance.types.js';
import { normalizeRole } from '../../instances/role.js';
import {
  parsePort,
  type InstanceDto,
  type RefreshRequestDto,
} from './refresh.dto.js';

const KNOWN_FIELDS = new Set([
  'id',
  'job_name',
  'model_name',
  'role',
  'endpoints',
]);

/** Validated DTO → domain command (ports as integers, role normalized, extras kept). */
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
  for (const [ip, ranks] of Object.entries(dto.endpoints)) {
    const out: Record<string, EndpointDef> = {};
    for (const [rank, ep] of Object.entries(ranks)) {
      out[rank] = {
        id: ep.id,
        ip: ep.ip,
        business_port: parsePort(ep.business_port)!,
        mgmt_port: parsePort(ep.mgmt_port)!,
      };
    }
    endpoints[ip] = out;
  }
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(dto)) {
    if (!KNOWN_FIELDS.has(key)) extra[key] = value;
  }
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
