/** Coded HTTP errors and the one central error handler that hides 5xx internals. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { CodedError } from '../domain/errors.js';

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
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ statusCode: 500, code: 'INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
}
