/** The checklist as data, a community's telemetry sub-scores with evidence, the county overview, evidence readings, and who am I. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ChecklistBody, MeBody, OverviewBody, ReadingBody, ReadingsQuery, ScoresBody, ScoresQuery } from '../../../schemas/src/checklist.js';
import { CommunityId } from '../../../schemas/src/common.js';
import { ErrorBody } from '../../../schemas/src/http.js';
import type { InspectionsService } from '../../inspections/service.js';
import { HttpError } from '../errors.js';
import { visibleCommunities, type ScopeStore } from '../tenancy.js';

const READ = ['admin', 'operator', 'inspector'] as const;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export async function checklistRoutes(app: FastifyInstance, deps: { inspections: InspectionsService; scope: ScopeStore }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/me',
    {
      config: { access: READ, tenant: { kind: 'county' } },
      schema: { operationId: 'getMe', tags: ['checklist'], summary: 'The caller: name, role, property company (null = the county) and how it signed in', response: { 200: MeBody, ...errors } },
    },
    async (req) => {
      if (!req.identity) throw new HttpError(401, 'UNAUTHENTICATED', 'no identity');
      const { name, displayName, role, company, via } = req.identity;
      return { name, displayName, role, company, via };
    },
  );

  r.get(
    '/api/v1/checklist',
    {
      config: { access: READ, tenant: { kind: 'county' } },
      schema: { operationId: 'getChecklist', tags: ['checklist'], summary: 'The 100-point checklist (附件评分表) as data, zh + en', response: { 200: ChecklistBody, ...errors } },
    },
    async () => deps.inspections.checklist(),
  );

  r.get(
    '/api/v1/communities/:id/scores',
    {
      config: { access: READ, tenant: { kind: 'community', param: 'id' } },
      schema: {
        operationId: 'getCommunitiesByIdScores',
        tags: ['checklist'],
        summary: 'Auto and assisted sub-scores with their evidence for a window of local days (default today)',
        params: z.object({ id: CommunityId }),
        querystring: ScoresQuery,
        response: { 200: ScoresBody, ...errors },
      },
    },
    async (req) => deps.inspections.scores(req.params.id, req.query.from, req.query.to),
  );

  r.get(
    '/api/v1/overview',
    {
      config: { access: READ, tenant: { kind: 'list' } },
      schema: { operationId: 'getOverview', tags: ['checklist'], summary: "Every visible community's latest signed score, fails and deadlines, open alarms", response: { 200: OverviewBody, ...errors } },
    },
    async (req) => deps.inspections.overview(visibleCommunities(req, deps.scope)),
  );

  r.get(
    '/api/v1/readings',
    {
      config: { access: READ, tenant: { kind: 'list' } },
      schema: {
        operationId: 'getReadings',
        tags: ['checklist'],
        summary: "Journal readings by id: the evidence behind a sub-score (other companies' readings are left out like unknown ids)",
        querystring: ReadingsQuery,
        response: { 200: z.object({ items: z.array(ReadingBody) }), ...errors },
      },
    },
    async (req) => ({ items: deps.inspections.readings([...new Set(req.query.ids.split(',').map(Number))], visibleCommunities(req, deps.scope)) }),
  );
}
