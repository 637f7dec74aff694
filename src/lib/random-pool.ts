/**
 * Random bytes for ids and MIME boundaries, drawn from a pool filled 4 KB at a time. Each
 * `randomBytes` call costs about 7 µs here (a call into OpenSSL per request), and the hot path
 * makes several per message (event ids, the boundary); from the pool they cost a copy.
 *
 * Not for secrets (keys, tokens, passwords): those still come from `randomBytes` directly, so a
 * secret's bytes never sit in a shared buffer.
 */
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;

export function pooledRandomBytes(size: number): Buffer {
  if (size > pool.length) throw new RangeError(`at most ${pool.length} pooled random bytes at once`);
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return bytes;
}
