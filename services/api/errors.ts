/** Coded HTTP errors and the one central error handler that hides 5xx internals. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CodedError } from '../domain/errors.js';
import { isBusyError, isStorageFailure } from '../store/errors.js';

/**
 * Seconds a client is asked to wait before it repeats a write the database refused. The lock holders are short
 * (the CLI, a backup step, ingest's commits): a second is enough and keeps a person's retry quick.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

export class HttpError extends CodedError {
  constructor(statusCode: number, code: string, message: string) {
    super(statusCode, code, message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'NOT_FOUND', `${what} not found`);

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      return reply.code(400).send({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: `invalid ${where}`,
        fields: err.validation.map((v) => ({
          path: [where, ...String(v.instancePath ?? '').split('/').filter(Boolean)].join('.'),
          message: v.message ?? 'invalid',
        })),
      });
    }
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ statusCode: err.statusCode, code: err.code, message: err.message });
    if (err.statusCode && err.statusCode < 500) {
      // Domain errors may name the fields at fault (e.g. INSPECTION_SCORE_INVALID).
      const fields = (err as { fields?: unknown }).fields;
      return reply
        .code(err.statusCode)
        .send({ statusCode: err.statusCode, code: err.code ?? 'BAD_REQUEST', message: err.message, ...(Array.isArray(fields) ? { fields } : {}) });
    }
    // The request is fine; the database cannot take it now. 503 with Retry-After, never a hang or a 500
    // (the main thread's connection waits only briefly for the lock, store/db.ts busyTimeoutMs).
    if (isBusyError(err)) {
      request.log.warn({ code: (err as { code?: string }).code }, 'request refused: database busy');
      return reply
        .code(503)
        .header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS))
        .send({ statusCode: 503, code: 'DATABASE_BUSY', message: 'the database is busy with another write; try again shortly' });
    }
    if (isStorageFailure(err)) {
      request.log.error({ code: (err as { code?: string }).code }, 'request failed: storage failure');
      return reply.code(503).send({ statusCode: 503, code: 'STORAGE_UNAVAILABLE', message: 'the storage cannot take writes (disk full or I/O error)' });
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ statusCode: 500, code: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}
