import { ENV_OVERRIDES } from '../../src/config/env-overrides.js';

/**
 * Every environment variable the application reads (its overrides, the pod IP
 * and the config path), and NODE_OPTIONS, which Node itself reads.
 */
export const ALLOWED_ENV = new Set([
  'POD_IP',
  'MOTOR_COORDINATOR_CONFIG',
  'NODE_OPTIONS',
  ...ENV_OVERRIDES.map((o) => o.env),
]);
