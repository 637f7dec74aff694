/**
 * One request to a provider's token endpoint: a form-encoded POST (RFC 6749 §4.1.3 for a code,
 * §6 for a refresh token) with the client's credentials in the body (`client_secret_post`,
 * §2.3.1), answered with JSON (§5.1) or an error (§5.2).
 *
 * An error answer that says the grant or the client is no good — `invalid_grant` (the refresh
 * token was revoked, expired, or the password changed), `invalid_client`, `unauthorized_client`
 * — needs a person to connect the account again; anything else (5xx, a network failure, a
 * garbled answer) may pass and is worth trying again later.
 */
export type Fetch = typeof fetch;

export interface TokenGrant {
  accessToken: string;
  /** Seconds the access token is valid (§5.1 `expires_in`); an hour when the provider does not say. */
  expiresIn: number;
  /** Only when the provider issues a new one. */
  refreshToken: string | null;
  /** OpenID Connect ID token (JWT), when `openid` was asked for. */
  idToken: string | null;
}

export type TokenAnswer =
  | { ok: true; grant: TokenGrant }
  /** `needsConsent`: the grant or client is refused for good; `detail` quotes the provider. */
  | { ok: false; needsConsent: boolean; error: string; detail: string };

const FOR_GOOD = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);
const DEFAULT_EXPIRES_IN = 3600;

export async function requestToken(fetchFn: Fetch, url: string, params: Record<string, string>, timeoutMs = 30_000): Promise<TokenAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return { ok: false, needsConsent: false, error: 'unreachable', detail: `token endpoint ${new URL(url).host} unreachable: ${cause}` };
  }
  const body = parseJson(text);
  if (!response.ok) {
    const error = typeof body?.error === 'string' ? body.error : `http_${response.status}`;
    const description = typeof body?.error_description === 'string' ? `: ${body.error_description.split(/\r?\n/)[0]}` : '';
    return { ok: false, needsConsent: FOR_GOOD.has(error), error, detail: `token endpoint answered ${response.status} ${error}${description}` };
  }
  if (!body || typeof body.access_token !== 'string' || body.access_token === '') {
    return { ok: false, needsConsent: false, error: 'bad_answer', detail: `token endpoint answered ${response.status} without an access token` };
  }
  const expiresIn = Number(body.expires_in);
  return {
    ok: true,
    grant: {
      accessToken: body.access_token,
      expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN,
      refreshToken: typeof body.refresh_token === 'string' && body.refresh_token ? body.refresh_token : null,
      idToken: typeof body.id_token === 'string' && body.id_token ? body.id_token : null,
    },
  };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * The address an ID token names (`email`, or Microsoft's `preferred_username`). The signature is
 * not checked: the token came straight from the token endpoint over TLS, which OpenID Connect
 * Core §3.1.3.7 (6) accepts in place of it.
 */
export function idTokenAccount(idToken: string): string | null {
  const payload = idToken.split('.')[1];
  if (!payload) return null;
  const claims = parseJson(Buffer.from(payload, 'base64url').toString('utf8'));
  const address = claims?.email ?? claims?.preferred_username;
  return typeof address === 'string' && address.includes('@') ? address.toLowerCase() : null;
}
