/**
 * Backfill for admins (services/ingest/backfill.ts does the work, wired by the runtime): an import
 * of recorded device messages, and the re-admission of dead letters. Both answer a report of what
 * got in, what was already there and what was refused, with reasons, after the touched days'
 * facts were recomputed.
 *
 * The import body is the file itself, `Content-Type: application/x-ndjson` (one
 * `{"topic", "payload"}` per line), at most 64 MiB; `?source=` names it in the audit log.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BackfillReportBody, ErrorBody, ReadmitBody, ReevaluationReportBody } from '../../../schemas/src/http.js';
import { actorOf } from '../auth.js';
import { HttpError } from '../errors.js';

type Report = z.infer<typeof BackfillReportBody>;

/** What the API needs from ingest (the API does not import it; the runtime wires it). */
export interface BackfillControl {
  importLines(text: string, actor: string, source: string): Promise<Report>;
  readmit(selection: { ids?: number[]; deviceId?: string; code?: string; from?: number; to?: number }, actor: string): Promise<Report>;
  /** Evaluates again the readings a rule threw on (kept in the journal, flagged), after a fix. */
  reevaluate(actor: string): z.infer<typeof ReevaluationReportBody> | Promise<z.infer<typeof ReevaluationReportBody>>;
}

export const IMPORT_LIMIT_BYTES = 64 * 1024 * 1024;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 415: ErrorBody };

export async function backfillRoutes(app: FastifyInstance, deps: { backfill: BackfillControl }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string', bodyLimit: IMPORT_LIMIT_BYTES }, (_req, body, done) => done(null, body));

  r.post(
    '/api/v1/readings/import',
    {
      bodyLimit: IMPORT_LIMIT_BYTES,
      config: { access: ['admin'], tenant: { kind: 'county' } },
      schema: {
        operationId: 'postReadingsImport',
        tags: ['ingest'],
        summary: 'Import recorded device messages (application/x-ndjson: one {"topic","payload"} per line) through ingest, for any past day the journal keeps',
        querystring: z.object({ source: z.string().max(200).default('api').describe('What the file was, for the audit log') }),
        response: { 200: BackfillReportBody, ...errors },
      },
    },
    async (req) => {
      if (typeof req.body !== 'string') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the file as Content-Type: application/x-ndjson');
      return deps.backfill.importLines(req.body, actorOf(req), req.query.source);
    },
  );

  r.post(
    '/api/v1/dead-letters/readmit',
    {
      config: { access: ['admin'], tenant: { kind: 'county' } },
      schema: { operationId: 'postDeadLettersReadmit', tags: ['ingest'], summary: 'Send dead letters through ingest again (once their cause is fixed)', body: ReadmitBody, response: { 200: BackfillReportBody, ...errors } },
    },
    async (req) => {
      const { from, to, ...rest } = req.body;
      return deps.backfill.readmit({ ...rest, ...(from ? { from: Date.parse(from) } : {}), ...(to ? { to: Date.parse(to) } : {}) }, actorOf(req));
    },
  );

  r.post(
    '/api/v1/readings/reevaluate',
    {
      config: { access: ['admin'], tenant: { kind: 'county' } },
      schema: {
        operationId: 'postReadingsReevaluate',
        tags: ['ingest'],
        summary: 'Evaluate again the journaled readings a rule threw on (flagged for re-evaluation), once the rule is fixed; also done at start',
        response: { 200: ReevaluationReportBody, ...errors },
      },
    },
    async (req) => deps.backfill.reevaluate(actorOf(req)),
  );
}
