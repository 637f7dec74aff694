/**
 * Secrets at rest (SMTP passwords, client keys) are sealed with AES-256-GCM. The key comes from
 * POSTROOM_SECRET_KEY or from `secret.key` in the data directory, created with mode 0600 on first use.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /** A key of its own for one purpose (`verp`, `tracking`), derived with HKDF so no two purposes share one. */
  derive(purpose: string): Buffer;
}

const VERSION = 'v1';

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('secret key: must be 32 bytes');
  const derived = new Map<string, Buffer>();
  return {
    derive(purpose) {
      let made = derived.get(purpose);
      if (!made) {
        made = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `postroom ${purpose}`, 32));
        derived.set(purpose, made);
      }
      return made;
    },
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    open(sealed) {
      const [version, data] = sealed.split(':');
      if (version !== VERSION || !data) throw new Error('secret: unknown format');
      const bytes = Buffer.from(data, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new Error('secret: cannot decrypt (was POSTROOM_SECRET_KEY or secret.key changed?)', { cause: error });
      }
    },
  };
}

/** The key from `secretKey` (base64 or hex, 32 bytes), else from the data directory's key file, created if missing. */
export function loadSecretKey(secretKey: string | undefined, dataDir: string): Buffer {
  if (secretKey) {
    const key = /^[0-9a-f]{64}$/i.test(secretKey) ? Buffer.from(secretKey, 'hex') : Buffer.from(secretKey, 'base64');
    if (key.length !== 32) throw new Error('POSTROOM_SECRET_KEY: must be 32 bytes, as 64 hex digits or base64');
    return key;
  }
  const file = path.join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file}: must hold a base64 32-byte key`);
  return key;
}
