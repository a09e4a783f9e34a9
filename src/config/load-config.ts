import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { FamilyFilterOptions } from '../render/family-filter.js';
import { defaultConfig, SECRET_KEYS } from './config.defaults.js';
import { ConfigError } from './config-error.js';
import { CoordinatorConfig, type AppConfig } from './config.schema.js';
import { crossCheck } from './cross-checks.js';
import { ENV_OVERRIDES, type EnvKind } from './env-overrides.js';

export interface LoadedConfig {
  readonly config: AppConfig;
  /** Where the file came from, or null when only defaults/env apply. */
  readonly source: string | null;
  /** Non-fatal notes (unknown keys), to be logged once the logger exists. */
  readonly warnings: readonly string[];
}

export interface LoadConfigInput {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

type Plain = Record<string, unknown>;

function isPlainObject(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `--config <path>` or `--config=<path>` wins over MOTOR_COORDINATOR_CONFIG. */
export function configPathFrom(input: LoadConfigInput): string | null {
  const { argv, env } = input;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--config') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new ConfigError('--config needs a file path');
      }
      return next;
    }
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  const fromEnv = env.MOTOR_COORDINATOR_CONFIG;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : null;
}

function readConfigFile(path: string): Plain {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `config file ${path} cannot be read: ${(err as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `config file ${path} is not valid JSON: ${(err as Error).message}`,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  // A deployer user_config.json carries our keys under motor_coordinator_config.
  const section = parsed.motor_coordinator_config;
  if (section !== undefined) {
    if (!isPlainObject(section)) {
      throw new ConfigError(
        `config file ${path}: motor_coordinator_config must be an object`,
      );
    }
    return section;
  }
  return parsed;
}

/** Coerces the textual forms deployer files and env vars use ("1026", "true"). */
function coerce(kind: EnvKind, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  switch (kind) {
    case 'int':
      return /^[+-]?\d+$/.test(text) ? Number(text) : value;
    case 'number':
      return text !== '' && Number.isFinite(Number(text))
        ? Number(text)
        : value;
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return value;
    case 'list':
      return text === '' ? [] : text.split(',').map((s) => s.trim());
    case 'string':
      return value;
  }
}

function kindOf(defaultValue: unknown): EnvKind {
  if (typeof defaultValue === 'boolean') return 'bool';
  if (typeof defaultValue === 'number') return 'number';
  if (Array.isArray(defaultValue)) return 'list';
  return 'string';
}

function describe(key: string, value: unknown): string {
  if (SECRET_KEYS.has(key)) return '<redacted>';
  return JSON.stringify(value) ?? String(value);
}

function firstError(
  errors: readonly ValidationError[],
  prefix = '',
): { path: string; property: string; value: unknown; message: string } | null {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      const message = Object.values(e.constraints)[0] ?? 'is invalid';
      return { path, property: e.property, value: e.value, message };
    }
    const nested = firstError(e.children ?? [], path);
    if (nested) return nested;
  }
  return null;
}

/**
 * Defaults < file < env, validated once. Throws ConfigError with a single line
 * naming the key, the value and what is allowed.
 */
export function loadConfig(input: LoadConfigInput): LoadedConfig {
  const source = configPathFrom(input);
  const file = source ? readConfigFile(source) : {};
  const defaults = defaultConfig(input.env.POD_IP) as unknown as Record<
    string,
    Plain
  >;
  const warnings: string[] = [];
  const origin = new Map<string, string>();
  const merged: Record<string, Plain> = {};

  for (const [section, sectionDefaults] of Object.entries(defaults)) {
    const fromFile = file[section];
    if (fromFile !== undefined && !isPlainObject(fromFile)) {
      throw new ConfigError(
        `invalid configuration: ${section} = ${describe(section, fromFile)}: must be an object`,
      );
    }
    const out: Plain = {};
    for (const [key, def] of Object.entries(sectionDefaults)) {
      const raw = fromFile?.[key];
      out[key] = raw === undefined ? def : coerce(kindOf(def), raw);
    }
    for (const key of Object.keys(fromFile ?? {})) {
      if (!Object.prototype.hasOwnProperty.call(sectionDefaults, key)) {
        warnings.push(`unknown configuration key ${section}.${key} ignored`);
      }
    }
    merged[section] = out;
  }
  for (const key of Object.keys(file)) {
    if (!Object.prototype.hasOwnProperty.call(defaults, key)) {
      warnings.push(`unknown configuration key ${key} ignored`);
    }
  }
  // POD_IP is only the fallback: a host set in the file wins over it.
  for (const o of ENV_OVERRIDES) {
    const raw = input.env[o.env];
    if (raw === undefined || raw === '') continue;
    merged[o.section]![o.key] = coerce(o.kind, raw);
    origin.set(`${o.section}.${o.key}`, o.env);
  }

  const instance = plainToInstance(CoordinatorConfig, merged);
  const error = firstError(
    validateSync(instance, { forbidUnknownValues: false }),
  );
  if (error) {
    const env = origin.get(error.path);
    throw new ConfigError(
      `invalid configuration: ${error.path} = ${describe(error.property, error.value)}${env ? ` (from ${env})` : ''}: ${error.message}`,
    );
  }
  crossCheck(instance);
  return { config: deepFreeze(instance) as AppConfig, source, warnings };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Effective scrape timing, with the "0 = derived" defaults resolved. */
export function scrapeTiming(config: AppConfig): {
  intervalMs: number;
  timeoutMs: number;
  staleAfterMs: number;
} {
  const p = config.prometheus_metrics_config;
  const intervalMs = Math.round(p.reuse_time * 1000);
  const timeoutMs =
    p.scrape_timeout > 0
      ? Math.round(p.scrape_timeout * 1000)
      : Math.round(intervalMs * 0.8);
  const staleAfterMs =
    p.stale_after > 0 ? Math.round(p.stale_after * 1000) : intervalMs * 5;
  return { intervalMs, timeoutMs, staleAfterMs };
}

/** The views' cardinality bounds (§3.2) as the renderers take them. */
export function familyFilterOptions(config: AppConfig): FamilyFilterOptions {
  const p = config.prometheus_metrics_config;
  return {
    include: p.include_families,
    exclude: p.exclude_families,
    maxSeries: p.max_series_per_view,
  };
}
