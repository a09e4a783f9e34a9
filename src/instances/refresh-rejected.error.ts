/**
 * A refresh the registry refuses as a whole; nothing was changed. Plain
 * domain error, mapped to HTTP at the edge: `kind` 'limit' → 413 (a
 * registry cap would be exceeded), 'conflict' → 400 (the request contradicts
 * the registry, e.g. an address:port another instance already has).
 */
export class RefreshRejectedError extends Error {
  override readonly name = 'RefreshRejectedError';

  constructor(
    readonly kind: 'limit' | 'conflict',
    message: string,
    readonly errors: readonly string[] = [],
  ) {
    super(message);
  }
}
