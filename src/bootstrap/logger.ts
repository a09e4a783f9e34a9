import type { LoggerService } from '@nestjs/common';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import pino, { type DestinationStream, type Level } from 'pino';
import type { AppConfig } from '../config/config.schema.js';
import { formatTextLine } from './text-log-format.js';

/** The `service` field of every log line. */
export const SERVICE_NAME = 'motor-coordinator';

/**
 * `log_config.log_level` keeps Nest's level names; pino's standard names are
 * what the lines carry: error→error, warn→warn, log→info, debug→debug,
 * verbose→trace (fatal is always on).
 */
export const PINO_LEVEL: Readonly<
  Record<AppConfig['log_config']['log_level'], Level>
> = Object.freeze({
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
});

export interface AppLogger {
  /** The pino logger every line goes through. */
  readonly pino: pino.Logger;
  /** The same, as Nest's LoggerService (nestjs-pino): request-scoped fields included. */
  readonly nest: LoggerService;
  /** Runs `fn` with `bindings` on every line logged inside it (the request id of a request). */
  runInContext<T>(fn: () => T, bindings: Record<string, unknown>): T;
}

/** Text mode: each pino line re-formatted for people before it reaches stdout. */
function textDestination(dest: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      dest.write(formatTextLine(line));
    },
  };
}

/**
 * One pino logger per process. `json`: one object per line with ISO `time`,
 * `level` as a name, `msg`, `service`, `context` and (inside a request)
 * `request_id`. `text`: the same fields as one readable, escaped line.
 */
export function createLogger(
  config: AppConfig,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): AppLogger {
  const json = config.log_config.log_format === 'json';
  const logger = pino(
    {
      level: PINO_LEVEL[config.log_config.log_level],
      base: { service: SERVICE_NAME, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    json ? destination : textDestination(destination),
  );
  // nestjs-pino keeps one root per process; it is ours from here on.
  const pinoLogger = new PinoLogger({
    pinoHttp: { logger, autoLogging: false, quietReqLogger: true },
  });
  return {
    pino: logger,
    nest: new NestPinoLogger(pinoLogger, {}),
    runInContext: (fn, bindings) => pinoLogger.runInContext(fn, { bindings }),
  };
}
