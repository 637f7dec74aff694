/**
 * Every error the API gives has one shape: `{"error": {"code", "message", "field"}}`, with
 * `field` naming the input at fault when there is one (`to[1]`, `subject`, `Idempotency-Key`).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { InputError } from '../lib/input-error.js';

export type ApiErrorCode = 'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'gone' | 'conflict' | 'payload_too_large' | 'unsupported_media_type' | 'rate_limited' | 'internal';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `${what} not found`);

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; field: string | null };
}

export function errorBody(code: ApiErrorCode, message: string, field: string | null = null): ErrorBody {
  return { error: { code, message, field } };
}

/** `/to/1/address` → `to[1].address` */
function fieldFromPath(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof ApiError) {
    void reply.code(error.status).send(errorBody(error.code, error.message, error.field));
    return;
  }
  if (error instanceof InputError) {
    void reply.code(400).send(errorBody('invalid', error.reason, error.field));
    return;
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0]!;
    const context = (error as { validationContext?: string }).validationContext;
    const field = fieldFromPath(first.instancePath) || context || 'body';
    void reply.code(400).send(errorBody('invalid', first.message ?? 'invalid', field));
    return;
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    void reply.code(413).send(errorBody('payload_too_large', 'the request body is larger than the limit'));
    return;
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    void reply.code(400).send(errorBody('invalid', fastifyError.message, 'body'));
    return;
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    void reply.code(415).send(errorBody('unsupported_media_type', 'send JSON: Content-Type: application/json'));
    return;
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    void reply.code(fastifyError.statusCode).send(errorBody('invalid', fastifyError.message));
    return;
  }
  request.log.error({ err: error }, 'request failed');
  void reply.code(500).send(errorBody('internal', 'internal error'));
}
