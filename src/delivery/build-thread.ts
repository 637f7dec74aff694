/**
 * A build thread: renders batches of campaign messages (campaigns/render-batch.ts) and makes
 * DKIM signatures, the two steps of building a message that cost real CPU, while the main thread
 * goes on with the spool and the sessions. Keys arrive once (a KeyObject crosses threads intact);
 * the tracking key arrives with the thread (workerData). Signatures go back in groups — after 16
 * or 2 ms, whichever comes first — so a large batch does not hold back its first ones.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { signMessage, type DkimSigningKey } from '../domains/dkim-sign.js';
import { createBatchRenderer, type RenderBatch } from '../campaigns/render-batch.js';

export interface SigningJob {
  job: number;
  keyId: number;
  raw: Uint8Array;
  now: number;
}

export type BuildRequest =
  | { type: 'key'; keyId: number; domain: string; selector: string; algorithm: DkimSigningKey['algorithm']; key: KeyObject }
  | { type: 'sign'; jobs: SigningJob[] }
  | { type: 'render'; job: number; batch: RenderBatch };

export type SigningAnswer = { job: number; signed: Uint8Array } | { job: number; error: string };

export type BuildAnswer =
  | { type: 'signed'; answers: SigningAnswer[] }
  | { type: 'rendered'; job: number; rendered: Array<[string, Uint8Array]> }
  | { type: 'render-failed'; job: number; error: string };

export interface BuildThreadData {
  trackingKey: Uint8Array | null;
}

const GROUP = 16;
const GROUP_MS = 2;

const keys = new Map<number, DkimSigningKey>();
const data = workerData as BuildThreadData | null;
const render = createBatchRenderer(data?.trackingKey ? Buffer.from(data.trackingKey) : null);

/** A copy in an ArrayBuffer of its own: small Buffers share one pool, which must not be moved away. */
function own(bytes: Buffer): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

function signOne(request: SigningJob): SigningAnswer {
  const key = keys.get(request.keyId);
  if (!key) return { job: request.job, error: `no key ${request.keyId}` };
  try {
    return { job: request.job, signed: own(signMessage(Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength), key, request.now)) };
  } catch (error) {
    return { job: request.job, error: error instanceof Error ? error.message : String(error) };
  }
}

function sign(jobs: SigningJob[]): void {
  let answers: SigningAnswer[] = [];
  let since = performance.now();
  const send = (): void => {
    const transfer = answers.flatMap((a) => ('signed' in a ? [a.signed.buffer as ArrayBuffer] : []));
    parentPort!.postMessage({ type: 'signed', answers } satisfies BuildAnswer, transfer);
    answers = [];
    since = performance.now();
  };
  for (const job of jobs) {
    answers.push(signOne(job));
    if (answers.length >= GROUP || performance.now() - since >= GROUP_MS) send();
  }
  if (answers.length > 0) send();
}

parentPort?.on('message', (request: BuildRequest) => {
  if (request.type === 'key') {
    keys.set(request.keyId, { domain: request.domain, selector: request.selector, algorithm: request.algorithm, key: request.key });
  } else if (request.type === 'sign') {
    sign(request.jobs);
  } else {
    try {
      const rendered = render(request.batch).map(([id, raw]): [string, Uint8Array] => [id, own(raw)]);
      parentPort!.postMessage({ type: 'rendered', job: request.job, rendered } satisfies BuildAnswer, rendered.map(([, raw]) => raw.buffer as ArrayBuffer));
    } catch (error) {
      parentPort!.postMessage({ type: 'render-failed', job: request.job, error: error instanceof Error ? error.message : String(error) } satisfies BuildAnswer);
    }
  }
});
