import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { LOG_LEVELS } from '../config/config.schema.js';
import type { AppConfig } from '../config/config.schema.js';

/** Levels at and above the configured one (Nest lists them most severe first). */
function levelsFrom(level: AppConfig['log_config']['log_level']): LogLevel[] {
  const order: LogLevel[] = ['fatal', ...LOG_LEVELS];
  return order.slice(0, order.indexOf(level) + 1);
}

/**
 * Nest's own ConsoleLogger: one JSON object per line in production
 * (`log_format: json`), coloured text for people. No extra dependency.
 */
export function createLogger(config: AppConfig): ConsoleLogger {
  const json = config.log_config.log_format === 'json';
  return new ConsoleLogger({
    json,
    colors: !json && process.stdout.isTTY === true,
    logLevels: levelsFrom(config.log_config.log_level),
  });
}
