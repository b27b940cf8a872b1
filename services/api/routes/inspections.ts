/** Inspections: inspectors (and admins) create, fill and sign; everyone signed in reads and exports what they may see. */
import { LANGUAGES } from '../../i18n/index.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CreateInspectionBody,
  InspectionBody,
  InspectionListQuery,
  InspectionSummaryBody,
  ReinspectionBody,
  UpdateInspectionBody,
} from '../../../schemas/src/checklist.js';
import { ErrorBody, IdParams } from '../../../schemas/src/http.js';
import type { InspectionsService } from '../../inspections/service.js';
import { actorOf, auditActorOf } from '../auth.js';
import { visibleCommunities, type ScopeStore } from '../tenancy.js';

const READ = ['admin', 'operator', 'inspector'] as const;
const WRITE = ['admin', 'inspector'] as const;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
/** A caller as a person reads them (printed on the form): an account's display name, a token's name. */
const nameOf = (req: FastifyRequest): string => req.identity?.displayName ?? req.identity?.name ?? 'unknown';

export async function inspectionRoutes(app: FastifyInstance, deps: { inspections: InspectionsService; scope: ScopeStore }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = deps.inspections;

  r.post(
    '/api/v1/inspections',
    {
      config: { access: WRITE, tenant: { kind: 'community', body: 'communityId' } },
      schema: { operationId: 'postInspections', tags: ['inspections'], summary: 'Start an inspection (draft) of a community for a date', body: CreateInspectionBody, response: { 201: InspectionBody, ...errors } },
    },
    async (req, reply) => reply.code(201).send(svc.create(req.body, actorOf(req), nameOf(req), auditActorOf(req))),
  );

  r.get(
    '/api/v1/inspections',
    {
      config: { access: READ, tenant: { kind: 'list' } },
      schema: { operationId: 'getInspections', tags: ['inspections'], summary: 'Inspections, newest date first', querystring: InspectionListQuery, response: { 200: z.object({ items: z.array(InspectionSummaryBody) }), ...errors } },
    },
    async (req) => ({ items: svc.list({ ...req.query, visible: visibleCommunities(req, deps.scope) }) }),
  );

  r.get(
    '/api/v1/inspections/:id',
    {
      config: { access: READ, tenant: { kind: 'inspection', param: 'id' } },
      schema: {
        operationId: 'getInspectionsById',
        tags: ['inspections'],
        summary: 'An inspection: live scores for a draft, frozen scores for a signed one (newerDataAt flags late data)',
        params: IdParams,
        response: { 200: InspectionBody, ...errors },
      },
    },
    async (req) => svc.get(req.params.id),
  );

  r.put(
    '/api/v1/inspections/:id',
    {
      config: { access: WRITE, tenant: { kind: 'inspection', param: 'id' } },
      schema: {
        operationId: 'putInspectionsById',
        tags: ['inspections'],
        summary: 'Enter manual scores and overrides (each with a reason) on a draft; null removes one',
        params: IdParams,
        body: UpdateInspectionBody,
        response: { 200: InspectionBody, ...errors },
      },
    },
    async (req) => svc.update(req.params.id, req.body, actorOf(req), auditActorOf(req)),
  );

  r.post(
    '/api/v1/inspections/:id/sign',
    {
      config: { access: WRITE, tenant: { kind: 'inspection', param: 'id' } },
      schema: { operationId: 'postInspectionsByIdSign', tags: ['inspections'], summary: 'Sign: freeze the scores; a total under 60 fails and gets a rectification deadline', params: IdParams, response: { 200: InspectionBody, ...errors } },
    },
    async (req) => svc.sign(req.params.id, actorOf(req), auditActorOf(req), nameOf(req)),
  );

  r.post(
    '/api/v1/inspections/:id/reinspection',
    {
      config: { access: WRITE, tenant: { kind: 'inspection', param: 'id' } },
      schema: {
        operationId: 'postInspectionsByIdReinspection',
        tags: ['inspections'],
        summary: 'Start the re-inspection of a failed inspection, linked to it',
        params: IdParams,
        body: ReinspectionBody,
        response: { 201: InspectionBody, ...errors },
      },
    },
    async (req, reply) => reply.code(201).send(svc.reinspect(req.params.id, req.body ?? {}, actorOf(req), nameOf(req), auditActorOf(req))),
  );

  r.get(
    '/api/v1/inspections/:id/export.csv',
    {
      config: { access: READ, tenant: { kind: 'inspection', param: 'id' } },
      schema: {
        operationId: 'getInspectionsByIdExportCsv',
        tags: ['inspections'],
        summary: 'The inspection as CSV laid out like the form (UTF-8 with BOM, for Excel)',
        produces: ['text/csv'],
        params: IdParams,
        querystring: z.object({ lang: z.enum(LANGUAGES).default('zh').describe('Language of the texts: zh (default) or en') }),
        response: { 200: z.string().describe('text/csv; charset=utf-8, with a byte-order mark'), ...errors },
      },
    },
    async (req, reply) => {
      const { filename, csv } = svc.exportCsv(req.params.id, req.query.lang);
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(csv);
    },
  );
}
