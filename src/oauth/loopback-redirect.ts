/**
 * The redirect target of a command-line connect (RFC 8252 §7.3, loopback interface redirection):
 * an HTTP listener on 127.0.0.1 on a free port, so the provider sends the browser back to
 * `http://127.0.0.1:PORT/callback` on this machine. The IP literal, not `localhost`, as §8.3
 * recommends. Only a request carrying this attempt's `state` is taken; anything else (a favicon,
 * a stray request) is answered and ignored.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RedirectPage {
  ok: boolean;
  /** One line for the person in the browser. */
  text: string;
}

export interface LoopbackRedirect {
  redirectUri: string;
  /**
   * Waits (at most `timeoutMs`) for the browser to come back with `state`, hands the query to
   * `complete`, and answers the browser with the page it gives.
   */
  receive<T>(state: string, complete: (query: URLSearchParams) => Promise<{ result: T; page: RedirectPage }>, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

export async function openLoopbackRedirect(): Promise<LoopbackRedirect> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    receive(state, complete, timeoutMs) {
      return new Promise((resolve, reject) => {
        let taken = false;
        const timer = setTimeout(() => {
          taken = true;
          reject(new Error(`no answer from the browser within ${Math.round(timeoutMs / 1000)} seconds; run the command again to get a new address`));
        }, timeoutMs);
        server.on('request', (request, response) => {
          const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
          if (url.pathname !== '/callback' || url.searchParams.get('state') !== state || taken) {
            response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
            return;
          }
          taken = true;
          clearTimeout(timer);
          complete(url.searchParams).then(
            ({ result, page }) => {
              response.writeHead(page.ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(pageHtml(page), () => resolve(result));
            },
            (error: unknown) => {
              response.writeHead(500, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml({ ok: false, text: 'Postroom could not finish connecting; see the terminal.' }));
              reject(error instanceof Error ? error : new Error(String(error)));
            },
          );
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function pageHtml(page: RedirectPage): string {
  const text = page.text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>Postroom</title><p style="font:16px system-ui;margin:3em">${text}</p>\n`;
}
