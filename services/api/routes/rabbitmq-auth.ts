/**
 * RabbitMQ's HTTP auth backend (rabbitmq_auth_backend_http, 3.10) asks these
 * four routes who may connect and what they may touch, when devices connect to
 * a RabbitMQ cluster's MQTT plugin instead of the embedded broker (issue 19).
 * Registered only with GW_RABBITMQ_AUTH=on; the answers are plain text `allow`
 * or `deny` with HTTP 200, as the plugin expects. The plugin sends the fields
 * form-encoded in a POST body (`auth_http.http_method = post`, recommended: no
 * password in a URL) or in the query string of a GET (its default).
 *
 * The rules are the embedded broker's, asked from the same places:
 * - user: crypto/credentials.ts (device id + scrypt secret, enabled; or
 *   `service:<name>` of GW_MQTT_SERVICE_ACCOUNTS), and the client id rule of
 *   store/registry-repo.ts (clientIdTakenBy: another device's client id is refused);
 * - topic: schemas/src/topics.ts. The MQTT plugin turns the topic's `/` into
 *   `.` in the routing key and `+` into `*` (a `.` inside a level stays, so it
 *   splits the level), and the checks below see only the routing key. Our ids
 *   never contain `.` (the slug of topics.ts), so a routing key maps back to one
 *   topic: its words joined by `/`. A routing key holding a `/` is refused.
 * - vhost `/` for a known, enabled user; resources: `amq.topic` read and write
 *   (publish, bind), the MQTT plugin's own subscription queues of a client id
 *   the user owns (`mqtt-subscription-<client id>qos0|qos1`), nothing else.
 *
 * The endpoint answers anyone who reaches it (RabbitMQ sends no token): serve
 * it on the internal network only; the public proxy must not route /internal/.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { commandTopic, isCommandFilter, isCommandTopic, isOwnPublishTopic } from '../../../schemas/src/topics.js';
import { createCredentialCheck, SERVICE_USERNAME_PREFIX, type ServiceSecret } from '../../crypto/credentials.js';
import { clientIdOwner, clientIdTakenBy, type RegistryRepo } from '../../store/registry-repo.js';
import type { Logger } from '../../observability/logger.js';

export interface RabbitmqAuthDeps {
  registry: RegistryRepo;
  serviceAccounts: readonly ServiceSecret[];
  logger: Logger;
}

export const RABBITMQ_AUTH_PREFIX = '/internal/rabbitmq';
/** The exchange the MQTT plugin publishes to and binds its queues on (mqtt.exchange, default). */
const MQTT_EXCHANGE = 'amq.topic';
const VHOST = '/';
/** The queues the MQTT plugin declares per client id and QoS (rabbit_mqtt_util, 3.10). */
const SUBSCRIPTION_QUEUE = /^mqtt-subscription-(.+)qos[01]$/;

// Fields RabbitMQ sends; it adds others (tags, ip, variable_map.*) that are ignored.
const UserFields = z.object({ username: z.string(), password: z.string().optional(), client_id: z.string().optional() });
const VhostFields = z.object({ username: z.string(), vhost: z.string() });
const ResourceFields = z.object({
  username: z.string(), vhost: z.string(), resource: z.string(), name: z.string(), permission: z.string(), client_id: z.string().optional(),
});
const TopicFields = z.object({
  username: z.string(), vhost: z.string(), resource: z.string(), name: z.string(), permission: z.string(), routing_key: z.string(),
});

type Who = { kind: 'device'; deviceId: string; communityId: string } | { kind: 'service'; service: string };

/** The routing key as the MQTT topic (filter) it came from, or null when it cannot be one of ours. */
export function routingKeyToTopic(routingKey: string): string | null {
  if (routingKey.includes('/')) return null;
  return routingKey.split('.').map((word) => (word === '*' ? '+' : word)).join('/');
}

export async function rabbitmqAuthRoutes(app: FastifyInstance, deps: RabbitmqAuthDeps): Promise<void> {
  const { registry, logger } = deps;
  const check = createCredentialCheck((id) => registry.getDevice(id), deps.serviceAccounts);
  const services = new Set(deps.serviceAccounts.map((a) => a.name));

  // Only inside this plugin: the rest of the API takes JSON alone.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** A user the other three paths may answer for: an enabled device, or a configured service (no password on those calls). */
  const known = (username: string): Who | undefined => {
    if (username.startsWith(SERVICE_USERNAME_PREFIX)) {
      const service = username.slice(SERVICE_USERNAME_PREFIX.length);
      return services.has(service) ? { kind: 'service', service } : undefined;
    }
    const device = registry.getDevice(username);
    return device?.enabled ? { kind: 'device', deviceId: device.id, communityId: device.communityId } : undefined;
  };

  /** May `who` use client id `clientId`? Its own namespace for a device; one no device owns for a service (as the embedded broker). */
  const mayUseClientId = (who: Who, clientId: string): boolean => {
    const owner = clientIdOwner(registry, clientId);
    return who.kind === 'device' ? owner === who.deviceId : owner === undefined;
  };

  const decideUser = async (f: z.infer<typeof UserFields>): Promise<boolean> => {
    if (!f.username || !f.password) return false;
    const who = await check(f.username, f.password);
    if (!who.ok) {
      logger.warn({ username: f.username, reason: who.reason }, 'rabbitmq login refused');
      return false;
    }
    if (f.client_id !== undefined) {
      const owner = clientIdTakenBy(registry, f.client_id, who.kind === 'device' ? who.deviceId : undefined);
      if (owner) {
        logger.warn({ username: f.username, clientId: f.client_id, owner }, 'rabbitmq login refused: client id belongs to a device');
        return false;
      }
    }
    return true;
  };

  const decideVhost = (f: z.infer<typeof VhostFields>): boolean => f.vhost === VHOST && known(f.username) !== undefined;

  const decideResource = (f: z.infer<typeof ResourceFields>): boolean => {
    const who = known(f.username);
    if (!who || f.vhost !== VHOST) return false;
    if (f.resource === 'exchange') return f.name === MQTT_EXCHANGE && (f.permission === 'read' || f.permission === 'write');
    if (f.resource !== 'queue') return false;
    const queue = SUBSCRIPTION_QUEUE.exec(f.name);
    if (!queue) return false;
    const clientId = queue[1]!;
    // Over MQTT the plugin says whose connection asks; the queue must be that client id's.
    if (f.client_id !== undefined && f.client_id !== clientId) return false;
    return mayUseClientId(who, clientId);
  };

  const decideTopic = (f: z.infer<typeof TopicFields>): boolean => {
    const who = known(f.username);
    if (!who || f.vhost !== VHOST || f.resource !== 'topic' || f.name !== MQTT_EXCHANGE) return false;
    const topic = routingKeyToTopic(f.routing_key);
    if (topic === null) return false;
    if (who.kind === 'device') {
      if (f.permission === 'write') return isOwnPublishTopic(who.communityId, who.deviceId, topic);
      return f.permission === 'read' && topic === commandTopic(who.communityId, who.deviceId);
    }
    if (f.permission === 'write') return isCommandTopic(topic);
    return f.permission === 'read' && isCommandFilter(topic);
  };

  const route = <S extends z.ZodType<Record<string, unknown>>>(path: string, fields: S, decide: (f: z.infer<S>) => boolean | Promise<boolean>) => {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const parsed = fields.safeParse(request.method === 'GET' ? request.query : request.body);
      // A request without the fields is not RabbitMQ's: deny, as the plugin would read any error.
      const allowed = parsed.success && (await decide(parsed.data));
      if (!allowed && parsed.success && path !== '/user') logger.info({ path, ...redact(parsed.data) }, 'rabbitmq access denied');
      return reply.type('text/plain; charset=utf-8').send(allowed ? 'allow' : 'deny');
    };
    const options = { config: { access: 'public' as const }, schema: { hide: true } };
    app.get(`${RABBITMQ_AUTH_PREFIX}${path}`, options, handler);
    app.post(`${RABBITMQ_AUTH_PREFIX}${path}`, options, handler);
  };

  route('/user', UserFields, decideUser);
  route('/vhost', VhostFields, decideVhost);
  route('/resource', ResourceFields, decideResource);
  route('/topic', TopicFields, decideTopic);
}

/** What a denial log line keeps: never a password. */
function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const { password: _password, ...rest } = fields;
  return rest;
}
