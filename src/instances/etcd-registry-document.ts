/**
 * The registry as stored in etcd: one JSON document (format 1, instances
 * ordered by id), and the checks that decide whether a document read back
 * can be trusted.
 */
import { sortedById } from './instance-registry.js';
import type { Instance } from './instance.types.js';
import { ROLES } from './role.js';

const FORMAT = 1;
/** etcd's default request limit is 1.5 MiB; keep room for the txn around it. */
export const MAX_DOCUMENT_BYTES = 1536 * 1024 - 16 * 1024;

/** Serializes the registry document (instances ordered by id). */
export function encodeRegistryDocument(
  instances: ReadonlyMap<number, Instance>,
): string {
  return JSON.stringify({ format: FORMAT, instances: sortedById(instances) });
}

/** Parses a registry document; throws naming what is wrong. */
export function decodeRegistryDocument(text: string): Map<number, Instance> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message})`);
  }
  if (!isObject(doc) || doc.format !== FORMAT || !Array.isArray(doc.instances))
    throw new Error(`not a format-${FORMAT} registry document`);
  const map = new Map<number, Instance>();
  doc.instances.forEach((raw: unknown, i) => {
    const problem = instanceProblem(raw);
    if (problem !== null) throw new Error(`instances[${i}]: ${problem}`);
    const inst = raw as Instance;
    if (map.has(inst.id)) throw new Error(`instances[${i}]: duplicate id`);
    map.set(inst.id, inst);
  });
  return map;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function instanceProblem(v: unknown): string | null {
  if (!isObject(v)) return 'not an object';
  if (!Number.isSafeInteger(v.id) || (v.id as number) < 0) return 'bad id';
  if (typeof v.job_name !== 'string' || typeof v.model_name !== 'string')
    return 'bad job_name/model_name';
  if (!(ROLES as readonly unknown[]).includes(v.role)) return 'bad role';
  if (v.status !== 'active' && v.status !== 'paused') return 'bad status';
  if (!isObject(v.extra)) return 'bad extra';
  if (!isObject(v.endpoints)) return 'bad endpoints';
  for (const ranks of Object.values(v.endpoints)) {
    if (!isObject(ranks)) return 'bad endpoints';
    for (const ep of Object.values(ranks)) {
      if (
        !isObject(ep) ||
        !Number.isSafeInteger(ep.id) ||
        typeof ep.ip !== 'string' ||
        !Number.isSafeInteger(ep.business_port) ||
        !Number.isSafeInteger(ep.mgmt_port)
      )
        return 'bad endpoint';
    }
  }
  return null;
}
