/**
 * A signing thread. Keys arrive once (a KeyObject crosses threads intact); jobs arrive in
 * batches. Answers go back in groups — after 16 signatures or 2 ms, whichever comes first — so
 * a large batch does not hold back its first signatures until the last one is made.
 */
import { parentPort } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { signMessage, type DkimSigningKey } from './dkim-sign.js';

export interface SigningJob {
  job: number;
  keyId: number;
  raw: Uint8Array;
  now: number;
}

export type SigningRequest =
  | { type: 'key'; keyId: number; domain: string; selector: string; algorithm: DkimSigningKey['algorithm']; key: KeyObject }
  | { type: 'sign'; jobs: SigningJob[] };

export type SigningAnswer = { job: number; signed: Uint8Array } | { job: number; error: string };

const GROUP = 16;
const GROUP_MS = 2;

const keys = new Map<number, DkimSigningKey>();

function signOne(request: SigningJob): { answer: SigningAnswer; transfer: ArrayBuffer | null } {
  const key = keys.get(request.keyId);
  if (!key) return { answer: { job: request.job, error: `no key ${request.keyId}` }, transfer: null };
  try {
    const signed = signMessage(Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength), key, request.now);
    const out = new Uint8Array(signed.length);
    out.set(signed);
    return { answer: { job: request.job, signed: out }, transfer: out.buffer };
  } catch (error) {
    return { answer: { job: request.job, error: error instanceof Error ? error.message : String(error) }, transfer: null };
  }
}

parentPort?.on('message', (request: SigningRequest) => {
  if (request.type === 'key') {
    keys.set(request.keyId, { domain: request.domain, selector: request.selector, algorithm: request.algorithm, key: request.key });
    return;
  }
  let answers: SigningAnswer[] = [];
  let transfer: ArrayBuffer[] = [];
  let since = performance.now();
  const send = (): void => {
    parentPort!.postMessage(answers, transfer);
    answers = [];
    transfer = [];
    since = performance.now();
  };
  for (const job of request.jobs) {
    const made = signOne(job);
    answers.push(made.answer);
    if (made.transfer) transfer.push(made.transfer);
    if (answers.length >= GROUP || performance.now() - since >= GROUP_MS) send();
  }
  if (answers.length > 0) send();
});
