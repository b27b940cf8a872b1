/** Daily compliance facts of a community: per local day, rule and place, with the evidence ids. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CommunityId } from '../../../schemas/src/common.js';
import { DailyFactBody, ErrorBody, FactsQuery } from '../../../schemas/src/http.js';
import type { FactsRepo } from '../../store/facts-repo.js';
import type { RegistryRepo } from '../../store/registry-repo.js';
import { daysBetween } from '../../time/local-day.js';
import { HttpError, notFound } from '../errors.js';

const MAX_DAYS = 366;

export async function factsRoutes(app: FastifyInstance, deps: { facts: FactsRepo; registry: RegistryRepo }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/communities/:id/facts',
    {
      config: { access: ['admin', 'operator', 'inspector'], tenant: { kind: 'community', param: 'id' } },
      schema: {
        operationId: 'getCommunitiesByIdFacts',
        tags: ['facts'],
        summary: 'Daily compliance facts for a range of local days',
        params: z.object({ id: CommunityId }),
        querystring: FactsQuery,
        response: { 200: z.object({ items: z.array(DailyFactBody) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      if (!deps.registry.getCommunity(req.params.id)) throw notFound('community');
      const to = req.query.to ?? req.query.from;
      const days = daysBetween(req.query.from, to);
      if (days < 0 || days >= MAX_DAYS) throw new HttpError(400, 'VALIDATION_FAILED', `to must be on or after from, at most ${MAX_DAYS} days`);
      const items = deps.facts
        .range(req.params.id, req.query.from, to)
        .filter((f) => (!req.query.rule || f.rule === req.query.rule) && (!req.query.status || f.status === req.query.status));
      return { items };
    },
  );
}
