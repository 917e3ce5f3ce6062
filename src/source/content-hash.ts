import { createHash } from 'crypto';

/** A text's content hash, as the result cache keys what was computed from it. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
