import { loadConfig } from '../../src/config/load-config.js';
import type { AppConfig } from '../../src/config/config.schema.js';
import {
  createApplications,
  type Applications,
} from '../../src/bootstrap/create-applications.js';

export interface Harness {
  readonly apps: Applications;
  readonly config: AppConfig;
  readonly mgmt: string;
  readonly obs: string;
  close(): Promise<void>;
}

/**
 * Boots exactly what production boots (createApplications), on 127.0.0.1 with
 * free ports, configured through the same env overrides a deployment uses.
 */
export async function startHarness(
  env: Record<string, string> = {},
  options: { listen?: boolean } = {},
): Promise<Harness> {
  const { config } = loadConfig({
    argv: [],
    env: {
      COORDINATOR_API_HOST: '127.0.0.1',
      COORDINATOR_API_MGMT_PORT: '0',
      COORDINATOR_OBS_PORT: '0',
      COORDINATOR_DRAIN_DELAY_SECONDS: '0',
      COORDINATOR_LOG_LEVEL: 'error',
      // TypeScript sources in-process; the worker path runs in the process tests (dist/).
      COORDINATOR_DIGEST_IN_WORKER: 'false',
      ...env,
    },
  });
  const apps = await createApplications(config, { logger: false });
  let mgmt = '';
  let obs = '';
  if (options.listen !== false) {
    const urls = await apps.listen();
    mgmt = urls.managementUrl;
    obs = urls.observabilityUrl;
    await apps.started();
  }
  return {
    apps,
    config,
    mgmt,
    obs,
    close: () => apps.shutdown(0),
  };
}
