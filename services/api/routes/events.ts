/**
 * GET /api/v1/events: Server-Sent Events for the operators' console (an alarm as it opens or
 * changes, a device going online or offline), scoped like GET /api/v1/alarms: an operator
 * receives its company's communities only. A stream lasts at most `maxAgeMs`; the browser's
 * EventSource then reconnects, which authenticates again, so a signed-out session or a revoked
 * token stops receiving within that time. A client that falls behind by `maxQueued` events is
 * cut off rather than buffered without bound; on reconnect the console reloads its lists.
 * Like the list filters, `communityId` naming another company's community (or none) gives a
 * stream that stays silent, exactly as an unknown one does.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { LiveEventsQuery, type LiveEvent } from '../../../schemas/src/http.js';
import type { LiveFeed } from '../live.js';
import { companyScope, type ScopeStore } from '../tenancy.js';

export interface EventRouteDeps {
  feed: LiveFeed;
  scope: ScopeStore;
  maxAgeMs?: number;
  maxQueued?: number;
}

/** The browser waits this long before reconnecting after a stream ends. */
const RETRY_MS = 2_000;

export async function eventRoutes(app: FastifyInstance, deps: EventRouteDeps): Promise<void> {
  const maxAgeMs = deps.maxAgeMs ?? 300_000;
  const maxQueued = deps.maxQueued ?? 1_000;
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/events',
    {
      sse: 'only',
      config: { access: ['admin', 'operator', 'inspector'], tenant: { kind: 'list' } },
      schema: {
        operationId: 'getEvents',
        tags: ['alarms'],
        summary: 'Live alarms and device presence (text/event-stream; events "alarm" and "presence", data: LiveEvent JSON)',
        querystring: LiveEventsQuery,
      },
    },
    async (req, reply) => {
      const company = companyScope(req.identity);
      const only = req.query.communityId;
      const owners = new Map<string, boolean>();
      const sees = (communityId: string): boolean => {
        if (only !== undefined && communityId !== only) return false;
        if (company === null) return true;
        let mine = owners.get(communityId);
        if (mine === undefined) owners.set(communityId, (mine = deps.scope.owner('community', communityId)?.company === company));
        return mine;
      };
      let queued = 0;
      const send = (event: LiveEvent) => {
        if (!reply.sse.isConnected) return;
        if (++queued > maxQueued) return reply.sse.close();
        reply.sse.send({ event: event.type, data: event }).then(
          () => void queued--,
          () => reply.sse.close(),
        );
      };
      reply.sse.keepAlive();
      const remove = deps.feed.add({ sees, send, end: () => reply.sse.close() });
      const expiry = setTimeout(() => reply.sse.close(), maxAgeMs);
      reply.sse.onClose(() => {
        clearTimeout(expiry);
        remove();
      });
      await reply.sse.send({ event: 'ready', data: { communityId: only ?? null }, retry: RETRY_MS });
    },
  );
}
