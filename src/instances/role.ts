/** Engine roles as the registry stores them (`both`/`hybrid` are normalized to `union`). */
export const ROLES = ['prefill', 'decode', 'union'] as const;
export type Role = (typeof ROLES)[number];

/** Role spellings accepted on input, mapped to the stored role. */
export const ROLE_ALIASES: Readonly<Record<string, Role>> = Object.freeze({
  prefill: 'prefill',
  decode: 'decode',
  union: 'union',
  both: 'union',
  hybrid: 'union',
});

export function normalizeRole(value: string): Role | undefined {
  return Object.prototype.hasOwnProperty.call(ROLE_ALIASES, value)
    ? ROLE_ALIASES[value]
    : undefined;
}
