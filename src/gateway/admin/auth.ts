import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Bearer-token check in constant time. Both sides are hashed first so the comparison
 * takes the same time whatever the length of the presented token.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header || !token) return false;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return false;
  const presented = createHash('sha256')
    .update(match[1] as string)
    .digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(presented, expected);
}
