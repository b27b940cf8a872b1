/** Alarms: list, acknowledge, resolve. Operators act on their company's; everyone signed in reads what they may see. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AlarmActionBody, AlarmBody, AlarmListQuery, ErrorBody, IdParams } from '../../../schemas/src/http.js';
import type { AlarmsRepo } from '../../store/alarms-repo.js';
import { alarmToBody } from '../../alarms/alarm-body.js';
import type { EventBus, InCommit } from '../../events.js';
import { actorOf, auditActorOf } from '../auth.js';
import { HttpError, notFound } from '../errors.js';
import { visibleCommunities, type ScopeStore } from '../tenancy.js';
import type { Changes } from '../changes.js';

export interface AlarmRouteDeps {
  alarms: AlarmsRepo;
  /** After the change commits: alarm.updated (the live feed). */
  bus: EventBus;
  /** Inside the change's transaction: alarm.changed (InfluxDB points). */
  inCommit: InCommit;
  now: () => number;
  scope: ScopeStore;
  changes: Changes;
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
        const result = deps.changes.run(() => {
          const before = deps.alarms.get(req.params.id);
          const after = deps.alarms[action](req.params.id, actorOf(req), req.body.note ?? null, deps.now());
          if (typeof after !== 'string') {
            deps.changes.record({
              actor: auditActorOf(req), action: `alarm.${action}`, objectType: 'alarm', objectId: after.id, communityId: after.communityId,
              before: before && alarmToBody(before), after: alarmToBody(after),
            });
            deps.inCommit.dispatch('alarm.changed', after, action === 'acknowledge' ? 'acknowledged' : 'resolved');
          }
          return after;
        });
        if (result === 'not_found') throw notFound('alarm');
        if (result === 'conflict') throw new HttpError(409, 'ALARM_STATE_CONFLICT', `alarm ${req.params.id} cannot be ${action}d in its current state`);
        deps.bus.emit('alarm.updated', result);
        return alarmToBody(result);
      },
    );
  }
}
