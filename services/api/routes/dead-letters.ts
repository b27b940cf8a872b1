/**
 * Dead letters: every rejected payload with its reason, for admins and
 * operators. Operators see those published on their company's communities'
 * topics; a payload on a topic of no community is for admins only.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeadLetterBody, DeadLetterListQuery, ErrorBody } from '../../../schemas/src/http.js';
import type { Journal } from '../../store/journal.js';
import { visibleCommunities, type ScopeStore } from '../tenancy.js';

export async function deadLetterRoutes(app: FastifyInstance, deps: { journal: Journal; scope: ScopeStore }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/dead-letters',
    {
      config: { access: ['admin', 'operator'], tenant: { kind: 'list' } },
      schema: {
        operationId: 'getDeadLetters',
        tags: ['ingest'],
        summary: 'Rejected device messages, newest first',
        querystring: DeadLetterListQuery,
        response: { 200: z.object({ items: z.array(DeadLetterBody) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => ({
      items: deps.journal.listDeadLetters(req.query.limit, req.query.beforeId, visibleCommunities(req, deps.scope)).map((d) => ({ ...d, receivedAt: new Date(d.receivedAt).toISOString(), readmittedAt: d.readmittedAt === null ? null : new Date(d.readmittedAt).toISOString() })),
    }),
  );
}
