/**
 * Builders for refresh bodies on loopback addresses only. Without a `port`,
 * each id gets its own 16 ports from 20000 up (nothing listens there), since
 * two endpoints may not share an address:port.
 */
export interface InstanceSpec {
  id: number;
  role?: string;
  ip?: string;
  ranks?: number;
  port?: number;
  [extra: string]: unknown;
}

export function instance(spec: InstanceSpec): Record<string, unknown> {
  const {
    id,
    role = 'prefill',
    ip = '127.0.0.1',
    ranks = 1,
    port = 20000 + (id % 700) * 16,
    ...extra
  } = spec;
  const eps: Record<string, unknown> = {};
  for (let r = 0; r < ranks; r++) {
    eps[String(r)] = {
      id: r,
      ip,
      business_port: String(port + r),
      mgmt_port: String(port + r),
    };
  }
  return {
    job_name: 'test-job',
    model_name: 'test-model',
    id,
    role,
    endpoints: { [ip]: eps },
    ...extra,
  };
}

export function body(
  event: string,
  instances: unknown[],
): Record<string, unknown> {
  return { event, instances };
}

/** One endpoint of an instance (ports as given: the refusal cases send bad ones). */
export const ep = (ip: string, id: number, port: unknown = '9') => ({
  id,
  ip,
  business_port: port,
  mgmt_port: port,
});

/** Instance 7 with the given `endpoints` (any value, valid or not). */
export const withEndpoints = (endpoints: unknown) => ({
  ...instance({ id: 7 }),
  endpoints,
});
