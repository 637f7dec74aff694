import { pooledRandomBytes } from './random-pool.js';

let lastTime = 0;
let sequence = 0;

/**
 * A text id that sorts by creation time: `prefix_` + time (ms, base 36) + a per-millisecond
 * sequence + random characters, so ids made by several processes do not collide.
 */
export function newId(prefix: string, now: number = Date.now()): string {
  if (now === lastTime) sequence += 1;
  else {
    lastTime = now;
    sequence = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const seq = sequence.toString(36).padStart(3, '0');
  const rand = pooledRandomBytes(6).toString('base64url').toLowerCase().replace(/[-_]/g, '0');
  return `${prefix}_${time}${seq}${rand}`;
}
