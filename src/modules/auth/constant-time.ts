/**
 * Whether two strings are equal, in time that depends only on their length. A length mismatch
 * answers at once, as Go's `subtle.ConstantTimeCompare` (the peers' compare) does: the length of
 * a random token is no secret. No allocation, so it costs nothing on the hot path.
 */
export function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
