/**
 * Topic ACLs: a device publishes only under its own community and device id,
 * and subscribes only to its own command topic. A service (`service:<name>`)
 * publishes only device commands, gatewatch/v1/<community>/<device>/cmd, and
 * subscribes only to command topics (auditing), `+` allowed for community and
 * device. Nobody subscribes to `#`, `$SYS` or telemetry. Payloads are NOT
 * validated here (an error in authorizePublish disconnects the device): ingest does it.
 */
import type { Client, PublishPacket, Subscription } from 'aedes';
import { TOPIC_ROOT, TOPIC_VERSION, commandTopic } from '../../schemas/src/topics.js';
import { identityOf, serviceOf } from './authenticate.js';
import type { Logger } from '../observability/logger.js';

/** True when `topic` is gatewatch/v1/<own community>/<own device>/<kind>, kind not "cmd". */
export function mayPublish(client: Client | null, topic: string): boolean {
  const id = identityOf(client);
  if (!id) return false;
  const prefix = `${TOPIC_ROOT}/${TOPIC_VERSION}/${id.communityId}/${id.deviceId}/`;
  if (!topic.startsWith(prefix)) return false;
  const kind = topic.slice(prefix.length);
  return kind.length > 0 && !kind.includes('/') && kind !== 'cmd';
}

const SLUG = '[a-z0-9][a-z0-9_-]{0,63}';
const COMMAND_TOPIC = new RegExp(`^${TOPIC_ROOT}/${TOPIC_VERSION}/${SLUG}/${SLUG}/cmd$`);
const COMMAND_FILTER = new RegExp(`^${TOPIC_ROOT}/${TOPIC_VERSION}/(?:${SLUG}|\\+)/(?:${SLUG}|\\+)/cmd$`);

/** A service may publish a command to one device: gatewatch/v1/<community>/<device>/cmd. */
export const serviceMayPublish = (topic: string): boolean => COMMAND_TOPIC.test(topic);

/** A service may subscribe to command topics only (auditing), with `+` for community and device. */
export const serviceMaySubscribe = (filter: string): boolean => COMMAND_FILTER.test(filter);

export function createAuthorizeSubscribe(logger: Logger) {
  return function authorizeSubscribe(
    client: Client,
    sub: Subscription,
    done: (error: Error | null, subscription?: Subscription | null) => void,
  ): void {
    const id = identityOf(client);
    if (id && sub.topic === commandTopic(id.communityId, id.deviceId)) return done(null, sub);
    if (serviceOf(client) && serviceMaySubscribe(sub.topic)) return done(null, sub);
    // Returning a null subscription answers SUBACK 0x80 (failure) without
    // dropping the connection [MQTT-3.9.3-2]; "#", "$SYS/#" and others' topics end here.
    logger.warn({ clientId: client.id, topic: sub.topic }, 'mqtt subscribe refused');
    done(null, null);
  };
}

export type { PublishPacket };
