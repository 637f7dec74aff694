/**
 * The HTTP API over real HTTP: an engine on a fresh test database, the Fastify app listening on
 * 127.0.0.1 (port 0), three users with an API key each (an admin, sender A, sender B), and a
 * `request` that speaks to it with the global fetch, as any client would.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createEngine, type Engine, type EngineOptions } from '../helpers/engine.js';
import type { TestDatabaseKind } from '../helpers/databases.js';
import { buildHttpApp, type HttpOptions } from '../../src/http/index.js';
import { createApiKey, createUser, type User } from '../../src/users/index.js';

export interface ApiUser {
  user: User;
  key: string;
  keyId: string;
}

export interface RequestOptions {
  /** API key sent as `Authorization: Bearer …`; omit for none. */
  key?: string;
  /** A value is sent as JSON; a string is sent as it is (with the content-type from `headers`, or application/json). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** The answer as a client reads it. `json` is the parsed body when it is JSON, else undefined. */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
  json: T;
}

/** The one error shape every failed request answers with. */
export interface ErrorBody {
  error: { code: string; message: string; field: string | null };
}

export interface Api {
  engine: Engine;
  http: FastifyInstance;
  /** `http://127.0.0.1:PORT` (paths passed to `request` start with /api/v1). */
  origin: string;
  admin: ApiUser;
  senderA: ApiUser;
  senderB: ApiUser;
  request<T = unknown>(method: string, path: string, options?: RequestOptions): Promise<Answer<T>>;
  /** Rows in the spool's messages table: what a request really wrote. */
  spoolCount(): Promise<number>;
  close(): Promise<void>;
}

export interface ApiOptions {
  http?: HttpOptions;
  engine?: EngineOptions;
}

const PASSWORD = 'a long enough password';

export async function startApi(kind: TestDatabaseKind, options: ApiOptions = {}): Promise<Api> {
  const engine = await createEngine(kind, options.engine);
  let http: FastifyInstance | undefined;
  try {
    http = await buildHttpApp(engine.app, options.http);
    await http.listen({ host: '127.0.0.1', port: 0 });
    const origin = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    const apiUser = async (email: string, role: 'admin' | 'sender'): Promise<ApiUser> => {
      const user = await createUser(engine.app, { email, role, password: PASSWORD });
      const { key, apiKey } = await createApiKey(engine.app, user.id, `${role} key`);
      return { user, key, keyId: apiKey.id };
    };
    const admin = await apiUser('admin@example.com', 'admin');
    const senderA = await apiUser('sender-a@example.com', 'sender');
    const senderB = await apiUser('sender-b@example.com', 'sender');
    const app = http;
    return {
      engine,
      http: app,
      origin,
      admin,
      senderA,
      senderB,
      request: (method, path, requestOptions) => request(origin, method, path, requestOptions),
      async spoolCount() {
        const row = await engine.app.store.db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .executeTakeFirstOrThrow();
        return Number(row.n);
      },
      async close() {
        await app.close();
        await engine.close();
      },
    };
  } catch (error) {
    await http?.close();
    await engine.close();
    throw error;
  }
}

async function request<T>(origin: string, method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  Object.assign(headers, options.headers);
  const response = await fetch(`${origin}${path}`, { method, headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown;
  if (/^application\/json\b/.test(response.headers.get('content-type') ?? '')) json = JSON.parse(text);
  return { status: response.status, headers: response.headers, bytes, text, json: json as T };
}
