/**
 * The relay benchmark's client load: `total` messages through nodemailer's pool of `connections`
 * connections, each answer kept. Shared by the Postroom run and the Postfix comparison, so both
 * receive exactly the same messages in the same way.
 */
import nodemailer from 'nodemailer';

export interface LoadResult {
  seconds: number;
  /** The queue ids the server gave in its 250 answers. */
  ids: string[];
}

export async function sendLoad(options: { port: number; connections: number; total: number; auth?: { user: string; pass: string } }): Promise<LoadResult> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: options.port, pool: true, maxConnections: options.connections, maxMessages: Infinity, ...(options.auth ? { auth: options.auth } : {}) });
  const text = 'Hello from the relay benchmark.\n'.repeat(30);
  let next = 0;
  const ids: string[] = [];
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: options.connections * 2 }, async () => {
        while (next < options.total) {
          const n = next++;
          const info = await transport.sendMail({ from: 'sender@example.com', to: `rcpt${n}@example.org`, subject: `Message ${n}`, text });
          ids.push(/queued as (\S+)/.exec(info.response)![1]!);
        }
      }),
    );
  } finally {
    transport.close();
  }
  return { seconds: (performance.now() - started) / 1000, ids };
}
