/**
 * The one way the UI talks to Postroom: the public HTTP API under /api/v1, authenticated by the
 * session cookie. Writes carry the session's CSRF token. Errors keep the API's shape
 * (`code`, `message`, `field`) so forms can put a message beside the field at fault.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
const sessionEndedListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API answers 401: the session ended (logged out elsewhere, expired). */
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  return send<T>(method, path, body === undefined ? null : JSON.stringify(body), body === undefined ? null : 'application/json');
}

/** POSTs a file (or text) as the request body with its own content type, e.g. a CSV as text/csv. */
export function postBody<T>(path: string, body: Blob | string, contentType: string): Promise<T> {
  return send<T>('POST', path, body, contentType);
}

async function send<T>(method: string, path: string, body: BodyInit | null, contentType: string | null): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (contentType) headers['content-type'] = contentType;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', body });
  } catch {
    throw new ApiError(0, 'network', 'Postroom cannot be reached; check that it is running', null);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const data: unknown = text ? safeJson(text) : null;
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; field?: string | null } } | null)?.error;
    if (response.status === 401 && path !== '/session') for (const listener of sessionEndedListeners) listener();
    throw new ApiError(response.status, error?.code ?? 'http', error?.message ?? `${response.status} ${response.statusText}`, error?.field ?? null);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Query string from the set values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * PUTs a file as the request body (never read whole into memory by the page), reporting the bytes
 * sent as they go: fetch cannot report upload progress, XMLHttpRequest can.
 */
export function upload<T>(path: string, file: Blob, contentType: string, onProgress: (sent: number, total: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', `/api/v1${path}`);
    request.setRequestHeader('content-type', contentType);
    request.setRequestHeader('accept', 'application/json');
    if (csrfToken) request.setRequestHeader('x-csrf-token', csrfToken);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onerror = () => reject(new ApiError(0, 'network', 'Postroom cannot be reached; check that it is running', null));
    request.onload = () => {
      const data = request.responseText ? safeJson(request.responseText) : null;
      if (request.status >= 200 && request.status < 300) return resolve(data as T);
      const error = (data as { error?: { code?: string; message?: string; field?: string | null } } | null)?.error;
      if (request.status === 401) for (const listener of sessionEndedListeners) listener();
      reject(new ApiError(request.status, error?.code ?? 'http', error?.message ?? `${request.status} ${request.statusText}`, error?.field ?? null));
    };
    request.send(file);
  });
}
