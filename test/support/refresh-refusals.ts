import { body, ep, instance, withEndpoints } from './refresh-bodies.js';

/**
 * Refresh bodies the management API must refuse, one case per way a body can
 * be wrong (syntax, shape, each field, endpoints, prototype keys, media
 * type). One declarative table, hence its length.
 */

/** The valid instance the cases start from. */
export const good = instance({ id: 1 });

/** Each case: a body that must be refused with `status`, naming `mentions`. */
export interface BadCase {
  name: string;
  send: { raw: string; type?: string } | { json: unknown };
  status: number;
  mentions: string;
}

const json = (value: unknown) => ({ json: value });
const raw = (text: string, type = 'application/json') => ({ raw: text, type });

export const BAD: BadCase[] = [
  { name: 'empty body', send: raw(''), status: 400, mentions: 'event' },
  {
    name: 'not JSON',
    send: raw('{"event": "add",'),
    status: 400,
    mentions: 'not valid JSON',
  },
  { name: 'JSON null', send: raw('null'), status: 400, mentions: 'event' },
  { name: 'JSON string', send: raw('"add"'), status: 400, mentions: 'event' },
  { name: 'JSON number', send: raw('42'), status: 400, mentions: 'event' },
  {
    name: 'top-level array',
    send: json([good]),
    status: 400,
    mentions: 'event',
  },
  {
    name: 'no event',
    send: json({ instances: [good] }),
    status: 400,
    mentions: 'event must be one of',
  },
  {
    name: 'unknown event',
    send: json(body('upsert', [good])),
    status: 400,
    mentions: 'event must be one of add, del, set, pause, resume',
  },
  {
    name: 'event not a string',
    send: json(body(1 as unknown as string, [good])),
    status: 400,
    mentions: 'event',
  },
  {
    name: 'no instances',
    send: json({ event: 'add' }),
    status: 400,
    mentions: 'instances must be an array',
  },
  {
    name: 'instances is an object',
    send: json({ event: 'add', instances: good }),
    status: 400,
    mentions: 'instances must be an array',
  },
  {
    name: 'instance is a number',
    send: json(body('add', [1])),
    status: 400,
    mentions: 'instances[0]',
  },
  {
    name: 'id missing',
    send: json(body('add', [{ ...good, id: undefined }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'id negative',
    send: json(body('add', [{ ...good, id: -1 }])),
    status: 400,
    mentions: 'instances[0].id: id must be an integer ≥ 0',
  },
  {
    name: 'id fractional',
    send: json(body('add', [{ ...good, id: 1.5 }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'id as string',
    send: json(body('add', [{ ...good, id: '1' }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'duplicate ids',
    send: json(body('add', [good, instance({ id: 1, role: 'decode' })])),
    status: 400,
    mentions: 'unique ids; repeated: 1',
  },
  {
    name: 'del with a bad id',
    send: json(body('del', [{ id: 'x' }])),
    status: 400,
    mentions: 'instances[0].id',
  },
  {
    name: 'unknown role',
    send: json(body('add', [{ ...good, role: 'router' }])),
    status: 400,
    mentions: 'role must be one of prefill, decode, union, both, hybrid',
  },
  {
    name: 'role not a string',
    send: json(body('add', [{ ...good, role: 3 }])),
    status: 400,
    mentions: 'instances[0].role',
  },
  {
    name: 'empty job_name',
    send: json(body('add', [{ ...good, job_name: '' }])),
    status: 400,
    mentions: 'instances[0].job_name',
  },
  {
    name: 'model_name missing',
    send: json(body('add', [{ ...good, model_name: undefined }])),
    status: 400,
    mentions: 'instances[0].model_name',
  },
  {
    name: 'endpoints missing',
    send: json(body('add', [{ ...good, endpoints: undefined }])),
    status: 400,
    mentions: 'instances[0].endpoints',
  },
  {
    name: 'endpoints is an array',
    send: json(body('add', [withEndpoints([ep('127.0.0.1', 0)])])),
    status: 400,
    mentions: 'instances[0].endpoints',
  },
  {
    name: 'endpoints empty',
    send: json(body('add', [withEndpoints({})])),
    status: 400,
    mentions: 'at least one IP',
  },
  {
    name: 'bad IP key',
    send: json(
      body('add', [withEndpoints({ '127.0.0': { '0': ep('127.0.0', 0) } })]),
    ),
    status: 400,
    mentions: 'key must be an IPv4 or IPv6 address',
  },
  {
    name: 'host name as IP key',
    send: json(
      body('add', [withEndpoints({ localhost: { '0': ep('localhost', 0) } })]),
    ),
    status: 400,
    mentions: 'IPv4 or IPv6',
  },
  {
    name: 'ip mismatching its key',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.2', 0) } }),
      ]),
    ),
    status: 400,
    mentions: '.ip must equal its key',
  },
  {
    name: 'id mismatching its key',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 1) } }),
      ]),
    ),
    status: 400,
    mentions: '.id must be the integer 0 (it must match its key)',
  },
  {
    name: 'non-decimal rank key',
    send: json(
      body('add', [withEndpoints({ '127.0.0.1': { a: ep('127.0.0.1', 0) } })]),
    ),
    status: 400,
    mentions: 'decimal endpoint id',
  },
  {
    name: 'port 0',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 0, 0) } }),
      ]),
    ),
    status: 400,
    mentions: 'mgmt_port must be an integer or decimal string in 1..65535',
  },
  {
    name: 'port 65536',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 0, '65536') } }),
      ]),
    ),
    status: 400,
    mentions: 'business_port',
  },
  {
    name: 'port not decimal',
    send: json(
      body('add', [
        withEndpoints({ '127.0.0.1': { '0': ep('127.0.0.1', 0, '0x50') } }),
      ]),
    ),
    status: 400,
    mentions: 'mgmt_port',
  },
  {
    name: 'endpoint not an object',
    send: json(body('add', [withEndpoints({ '127.0.0.1': { '0': 'x' } })])),
    status: 400,
    mentions: 'must be an object {id, ip, business_port, mgmt_port}',
  },
  {
    name: 'IP with no endpoints',
    send: json(body('add', [withEndpoints({ '127.0.0.1': {} })])),
    status: 400,
    mentions: 'at least one endpoint',
  },
  {
    name: '__proto__ key at the top',
    send: raw('{"event":"add","instances":[],"__proto__":{"polluted":true}}'),
    status: 400,
    mentions: '__proto__',
  },
  {
    name: '__proto__ key inside an instance',
    send: raw(
      JSON.stringify(body('add', [good])).replace(
        '"job_name"',
        '"__proto__":{"role":"union"},"job_name"',
      ),
    ),
    status: 400,
    mentions: 'instances.0.__proto__',
  },
  {
    name: 'constructor key in endpoints',
    send: raw(
      JSON.stringify(body('add', [good])).replace(
        '"127.0.0.1":{',
        '"constructor":{"prototype":{}},"127.0.0.1":{',
      ),
    ),
    status: 400,
    mentions: 'constructor',
  },
  {
    name: 'one bad instance among good ones',
    send: json(
      body('set', [
        good,
        instance({ id: 2, role: 'decode' }),
        { ...instance({ id: 3 }), role: 'x' },
      ]),
    ),
    status: 400,
    mentions: 'instances[2].role',
  },
  {
    name: 'form-encoded body',
    send: raw('event=add&instances=1', 'application/x-www-form-urlencoded'),
    status: 415,
    mentions: 'must be JSON',
  },
  {
    name: 'text/plain body',
    send: raw(JSON.stringify(body('add', [good])), 'text/plain'),
    status: 415,
    mentions: 'must be JSON',
  },
  {
    name: 'no content type',
    send: raw(JSON.stringify(body('add', [good])), ''),
    status: 415,
    mentions: 'must be JSON',
  },
];
