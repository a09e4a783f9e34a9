/**
 * Errors of the registry, in its own words. They know nothing of HTTP: the
 * management port's exception filter answers them (503 and 413).
 */

/**
 * The registry is unreachable (etcd down, or too much contention): nothing
 * was changed and the client may retry.
 */
export class RegistryUnavailableError extends Error {
  override readonly name = 'RegistryUnavailableError';
  constructor(reason: string) {
    super(`Instance registry unavailable: ${reason}`);
  }
}

/** The registry would outgrow what its store can hold: nothing was changed. */
export class RegistryTooLargeError extends Error {
  override readonly name = 'RegistryTooLargeError';
}
