import { createServer } from 'node:net';

/** A port free on 127.0.0.1 right now, for a server the benchmark starts in another process. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
