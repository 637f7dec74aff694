/**
 * A real OAuth 2.0 authorization server on 127.0.0.1 for tests, playing Google or Microsoft:
 *
 *   GET  /authorize  records the request (PKCE challenge, scopes, state) and sends the browser
 *                    straight back to its redirect_uri with a code, as if the person had signed
 *                    in and consented (or with `error=access_denied` when told to deny)
 *   POST /token      authorization_code: checks the client, the code, the redirect URI and the
 *                    code_verifier against the S256 challenge (RFC 7636 §4.6);
 *                    refresh_token: answers 400 invalid_grant once told to revoke
 *
 * Access tokens last `expiresIn` seconds (settable). `accepts(token)` says whether a token is
 * still good, for the SMTP server that checks XOAUTH2; `reject(token)` makes one bad early.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  codeChallengeMethod: string;
  params: Record<string, string>;
}

export interface TokenRequest {
  grantType: string;
  params: Record<string, string>;
}

export interface FakeOAuthOptions {
  clientId?: string;
  clientSecret?: string;
  /** The account the ID token names; default the request's login_hint. */
  account?: string;
  /** Seconds each access token lasts (default 3600). */
  expiresIn?: number;
  /** Issue a new refresh token with every refresh (Microsoft may). */
  rotateRefreshTokens?: boolean;
}

export interface FakeOAuthServer {
  origin: string;
  authorizeUrl: string;
  tokenUrl: string;
  authorizeRequests: AuthorizeRequest[];
  tokenRequests: TokenRequest[];
  /** Access tokens issued, oldest first. */
  issued: string[];
  /** Refresh requests answered with a new access token. */
  refreshes(): number;
  /** Lifetime of the access tokens issued from now on. */
  setExpiresIn(seconds: number): void;
  /** The account the next ID tokens name. */
  setAccount(account: string | undefined): void;
  /** Whether `token` is an issued access token that has not expired nor been rejected. */
  accepts(token: string): boolean;
  /** Makes an access token bad before its time (the provider revoked it). */
  reject(token: string): void;
  /** The person revoked Postroom's access: every refresh token and access token is dead. */
  revoke(): void;
  /** The next authorization is denied by the person. */
  denyNext(): void;
  close(): Promise<void>;
}

export async function startFakeOAuth(options: FakeOAuthOptions = {}): Promise<FakeOAuthServer> {
  const clientId = options.clientId ?? 'test-client';
  const clientSecret = options.clientSecret ?? 'test-secret';
  let expiresIn = options.expiresIn ?? 3600;
  let account = options.account;
  let refreshCount = 0;
  let deny = false;
  const codes = new Map<string, { challenge: string; redirectUri: string; account: string }>();
  const refreshTokens = new Map<string, { account: string; alive: boolean }>();
  const accessTokens = new Map<string, { expiresAt: number; alive: boolean }>();
  const authorizeRequests: AuthorizeRequest[] = [];
  const tokenRequests: TokenRequest[] = [];
  const issued: string[] = [];

  const token = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;
  const issueAccess = (): string => {
    const value = token('at');
    accessTokens.set(value, { expiresAt: Date.now() + expiresIn * 1000, alive: true });
    issued.push(value);
    return value;
  };
  const idToken = (email: string): string => {
    const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT' })}.${part({ iss: 'fake-oauth', sub: email, email, email_verified: true })}.`;
  };
  const json = (response: ServerResponse, status: number, body: object): void => {
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };

  function authorize(url: URL, response: ServerResponse): void {
    const params = Object.fromEntries(url.searchParams);
    const request: AuthorizeRequest = {
      clientId: params.client_id ?? '',
      redirectUri: params.redirect_uri ?? '',
      scope: params.scope ?? '',
      state: params.state ?? '',
      codeChallenge: params.code_challenge ?? '',
      codeChallengeMethod: params.code_challenge_method ?? '',
      params,
    };
    authorizeRequests.push(request);
    if (request.clientId !== clientId || !request.redirectUri) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client or no redirect_uri');
      return;
    }
    const back = new URL(request.redirectUri);
    back.searchParams.set('state', request.state);
    if (deny) {
      deny = false;
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user said no');
    } else {
      const code = token('code');
      codes.set(code, { challenge: request.codeChallenge, redirectUri: request.redirectUri, account: account ?? params.login_hint ?? 'someone@example.com' });
      back.searchParams.set('code', code);
    }
    response.writeHead(302, { location: back.toString() }).end();
  }

  function tokenEndpoint(body: string, response: ServerResponse): void {
    const params = Object.fromEntries(new URLSearchParams(body));
    tokenRequests.push({ grantType: params.grant_type ?? '', params });
    if (params.client_id !== clientId || params.client_secret !== clientSecret) {
      return json(response, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
    }
    if (params.grant_type === 'authorization_code') {
      const code = codes.get(params.code ?? '');
      codes.delete(params.code ?? '');
      const verifier = params.code_verifier ?? '';
      const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
      if (!code || code.redirectUri !== params.redirect_uri || code.challenge !== challenge) {
        return json(response, 400, { error: 'invalid_grant', error_description: 'Bad code, redirect_uri or code_verifier' });
      }
      const refresh = token('rt');
      refreshTokens.set(refresh, { account: code.account, alive: true });
      return json(response, 200, { access_token: issueAccess(), token_type: 'Bearer', expires_in: expiresIn, refresh_token: refresh, id_token: idToken(code.account), scope: 'granted' });
    }
    if (params.grant_type === 'refresh_token') {
      const grant = refreshTokens.get(params.refresh_token ?? '');
      if (!grant?.alive) return json(response, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      refreshCount += 1;
      const answer: Record<string, unknown> = { access_token: issueAccess(), token_type: 'Bearer', expires_in: expiresIn };
      if (options.rotateRefreshTokens) {
        const next = token('rt');
        refreshTokens.set(next, { account: grant.account, alive: true });
        answer.refresh_token = next;
      }
      return json(response, 200, answer);
    }
    return json(response, 400, { error: 'unsupported_grant_type' });
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname === '/authorize') return authorize(url, response);
    if (request.method === 'POST' && url.pathname === '/token') {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => tokenEndpoint(body, response));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    authorizeUrl: `${origin}/authorize`,
    tokenUrl: `${origin}/token`,
    authorizeRequests,
    tokenRequests,
    issued,
    refreshes: () => refreshCount,
    setExpiresIn: (seconds) => void (expiresIn = seconds),
    setAccount: (value) => void (account = value),
    accepts(value) {
      const entry = accessTokens.get(value);
      return !!entry && entry.alive && entry.expiresAt > Date.now();
    },
    reject(value) {
      const entry = accessTokens.get(value);
      if (entry) entry.alive = false;
    },
    revoke() {
      for (const entry of refreshTokens.values()) entry.alive = false;
      for (const entry of accessTokens.values()) entry.alive = false;
    },
    denyNext: () => void (deny = true),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Plays the browser: opens the authorize address, and follows the fake server's redirect to
 * wherever it points (Postroom's callback). Returns that last answer.
 */
export async function playBrowser(authorizeUrl: string): Promise<Response> {
  const first = await fetch(authorizeUrl, { redirect: 'manual' });
  const location = first.headers.get('location');
  if (first.status !== 302 || !location) throw new Error(`authorize answered ${first.status}: ${await first.text()}`);
  return fetch(location, { redirect: 'manual' });
}
