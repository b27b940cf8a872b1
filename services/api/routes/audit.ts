/** The audit log, read-only: admins and inspectors (the county) read it; no route changes it. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AuditEntryBody, AuditQuery } from '../../../schemas/src/accounts.js';
import { ErrorBody } from '../../../schemas/src/http.js';
import type { AuditRepo } from '../../store/audit-repo.js';

export async function auditRoutes(app: FastifyInstance, deps: { audit: AuditRepo }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/audit',
    {
      config: { access: ['admin', 'inspector'], tenant: { kind: 'county' } },
      schema: {
        operationId: 'getAudit',
        tags: ['audit'],
        summary: 'Every change, newest first: who, when, what, and the object before and after',
        querystring: AuditQuery,
        response: { 200: z.object({ items: z.array(AuditEntryBody) }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const { from, to, ...rest } = req.query;
      const items = deps.audit.list({ ...rest, from: from === undefined ? undefined : Date.parse(from), to: to === undefined ? undefined : Date.parse(to) });
      return { items: items.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) };
    },
  );
}
