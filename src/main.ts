import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApplications } from './bootstrap/create-applications.js';
import { createLogger } from './bootstrap/logger.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig, type LoadedConfig } from './config/load-config.js';

let loaded: LoadedConfig;
try {
  loaded = loadConfig({ argv: process.argv.slice(2), env: process.env });
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`motor-coordinator: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const { config, source, warnings } = loaded;
const logger = createLogger(config);
const log = new Logger('Main');
Logger.overrideLogger(logger.nest);
for (const w of warnings) log.warn(w);

const appsPromise = createApplications(config, { logger });

// Signals are handled from the start: a SIGTERM during start-up also ends in
// the ordered shutdown. A second signal exits at once.
let signalled = false;
const drainSeconds = config.api_config.drain_delay_seconds;
const hardLimitMs = drainSeconds * 1000 + 5000;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (signalled) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    signalled = true;
    log.log(`${signal}: draining for ${drainSeconds} s, then closing`);
    setTimeout(() => {
      log.error(`shutdown exceeded ${hardLimitMs} ms; exiting`);
      process.exit(1);
    }, hardLimitMs).unref();
    appsPromise
      .then((apps) => apps.shutdown())
      .then(
        () => {
          log.log('shutdown complete');
          process.exit(0);
        },
        (err: unknown) => {
          log.error(`shutdown failed: ${(err as Error).stack ?? String(err)}`);
          process.exit(1);
        },
      );
  });
}

const apps = await appsPromise;
const { managementUrl, observabilityUrl } = await apps.listen();
log.log(
  `management on ${managementUrl}, observability on ${observabilityUrl} (config: ${source ?? 'defaults'}; registry: ${apps.handles.registry.storage})`,
);
