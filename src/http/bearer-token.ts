/**
 * The token of `Authorization: Bearer <token>` (scheme case-insensitive, as
 * RFC 7235 says), or undefined. The one parser both ports' guards use.
 */
export function bearerToken(
  authorization: string | string[] | undefined,
): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  const m = /^bearer +(\S+) *$/i.exec(authorization);
  return m?.[1];
}
