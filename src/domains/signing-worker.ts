/**
 * A signing thread: RSA-2048 signatures cost about 0.3 ms each, as much as the rest of a
 * delivery, so with more than one core they are made here while the main thread goes on sending.
 * Keys arrive once (a KeyObject crosses threads intact); each job is a message and a key id.
 */
import { parentPort } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { signMessage, type DkimSigningKey } from './dkim-sign.js';

export type SigningRequest =
  | { type: 'key'; keyId: number; domain: string; selector: string; algorithm: DkimSigningKey['algorithm']; key: KeyObject }
  | { type: 'sign'; job: number; keyId: number; raw: Uint8Array; now: number };

export type SigningAnswer = { job: number; signed: Uint8Array } | { job: number; error: string };

const keys = new Map<number, DkimSigningKey>();

parentPort?.on('message', (request: SigningRequest) => {
  if (request.type === 'key') {
    keys.set(request.keyId, { domain: request.domain, selector: request.selector, algorithm: request.algorithm, key: request.key });
    return;
  }
  const key = keys.get(request.keyId);
  if (!key) return parentPort!.postMessage({ job: request.job, error: `no key ${request.keyId}` } satisfies SigningAnswer);
  try {
    const signed = signMessage(Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength), key, request.now);
    const out = new Uint8Array(signed.length);
    out.set(signed);
    parentPort!.postMessage({ job: request.job, signed: out } satisfies SigningAnswer, [out.buffer]);
  } catch (error) {
    parentPort!.postMessage({ job: request.job, error: error instanceof Error ? error.message : String(error) } satisfies SigningAnswer);
  }
});
