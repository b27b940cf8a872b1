/** Dead letters: every rejected payload with its reason, for operators and device makers. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DeadLetterBody, DeadLetterListQuery, ErrorBody } from '../../../schemas/src/http.js';
import type { Journal } from '../../store/journal.js';

export async function deadLetterRoutes(app: FastifyInstance, deps: { journal: Journal }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/dead-letters',
    {
      config: { access: ['admin', 'operator'] },
      schema: {
        tags: ['ingest'],
        summary: 'Rejected device messages, newest first',
        querystring: DeadLetterListQuery,
        response: { 200: z.object({ items: z.array(DeadLetterBody) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => ({
      items: deps.journal.listDeadLetters(req.query.limit, req.query.beforeId).map((d) => ({ ...d, receivedAt: new Date(d.receivedAt).toISOString() })),
    }),
  );
}
