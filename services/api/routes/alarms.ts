/** Alarms: list, acknowledge, resolve. Operators act on their company's; everyone signed in reads what they may see. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlarmActionBody, AlarmBody, AlarmListQuery, ErrorBody, IdParams } from '../../../schemas/src/http.js';
import type { AlarmsRepo } from '../../store/alarms-repo.js';
import { alarmToBody } from '../../alarms/alarm-body.js';
import type { EventBus } from '../../events.js';
import type { AlarmActionRequest, AlarmActionResult } from '../../alarms/actions.js';
import { actorOf, auditActorOf } from '../auth.js';
import { HttpError, notFound } from '../errors.js';
import { visibleCommunities, type ScopeStore } from '../tenancy.js';

export interface AlarmRouteDeps {
  alarms: AlarmsRepo;
  /** After the change commits: alarm.updated (the live feed). */
  bus: EventBus;
  /**
   * Acknowledges or resolves, with its audit entry and in-commit alarm.changed (alarms/actions.ts): here, or
   * with partitions in the thread of the partition that owns the alarm.
   */
  act: (r: AlarmActionRequest) => AlarmActionResult | Promise<AlarmActionResult>;
  scope: ScopeStore;
}

export async function alarmRoutes(app: FastifyInstance, deps: AlarmRouteDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

  r.get(
    '/api/v1/alarms',
    {
      config: { access: ['admin', 'operator', 'inspector'], tenant: { kind: 'list' } },
      schema: { operationId: 'getAlarms', tags: ['alarms'], summary: 'List alarms, newest first', querystring: AlarmListQuery, response: { 200: z.object({ items: z.array(AlarmBody) }), ...errors } },
    },
    async (req) => ({ items: deps.alarms.list({ ...req.query, visible: visibleCommunities(req, deps.scope) }).map(alarmToBody) }),
  );

  r.get(
    '/api/v1/alarms/:id',
    {
      config: { access: ['admin', 'operator', 'inspector'], tenant: { kind: 'alarm', param: 'id' } },
      schema: { operationId: 'getAlarmsById', tags: ['alarms'], params: IdParams, response: { 200: AlarmBody, ...errors } },
    },
    async (req) => {
      const alarm = deps.alarms.get(req.params.id);
      if (!alarm) throw notFound('alarm');
      return alarmToBody(alarm);
    },
  );

  for (const action of ['acknowledge', 'resolve'] as const) {
    r.post(
      `/api/v1/alarms/:id/${action}`,
      {
        config: { access: ['admin', 'operator'], tenant: { kind: 'alarm', param: 'id' } },
        schema: { operationId: `postAlarmsById${action[0]!.toUpperCase()}${action.slice(1)}`, tags: ['alarms'], summary: `${action} an alarm`, params: IdParams, body: AlarmActionBody, response: { 200: AlarmBody, ...errors } },
      },
      async (req) => {
        const result = await deps.act({ id: req.params.id, action, actor: actorOf(req), auditActor: auditActorOf(req), note: req.body.note ?? null });
        if (result === 'not_found') throw notFound('alarm');
        if (result === 'conflict') throw new HttpError(409, 'ALARM_STATE_CONFLICT', `alarm ${req.params.id} cannot be ${action}d in its current state`);
        deps.bus.emit('alarm.updated', result);
        return alarmToBody(result);
      },
    );
  }
}
