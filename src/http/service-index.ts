import { SERVICE_VERSION } from './version.js';

/** The `GET /` body of either port: service, version, description, routes, time. */
export function serviceIndex(
  service: string,
  description: string,
  endpoints: Readonly<Record<string, string>>,
) {
  return {
    service,
    version: SERVICE_VERSION,
    description,
    endpoints,
    timestamp: new Date().toISOString(),
  };
}
