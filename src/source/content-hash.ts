import { createHash } from 'crypto';

/** A text's content hash, as the result cache keys what was computed from it; of bytes, the hash of the text they encode in UTF-8. */
export function contentHash(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('base64url');
}
