/**
 * Topic ACLs: a device publishes only under its own community and device id,
 * and subscribes only to its own command topic. A service (`service:<name>`)
 * publishes only device commands, gatewatch/v1/<community>/<device>/cmd, and
 * subscribes only to command topics (auditing), `+` allowed for community and
 * device. Nobody subscribes to `#`, `$SYS` or telemetry. Payloads are NOT
 * validated here (an error in authorizePublish disconnects the device): ingest does it.
 */
import type { Client, PublishPacket, Subscription } from 'aedes';
import { commandTopic, isCommandFilter, isCommandTopic, isOwnPublishTopic } from '../../schemas/src/topics.js';
import { identityOf, serviceOf } from './authenticate.js';
import type { Logger } from '../observability/logger.js';

/** True when `topic` is gatewatch/v1/<own community>/<own device>/<kind>, kind not "cmd" (schemas/src/topics.ts). */
export function mayPublish(client: Client | null, topic: string): boolean {
  const id = identityOf(client);
  return id !== undefined && isOwnPublishTopic(id.communityId, id.deviceId, topic);
}

/** A service may publish a command to one device: gatewatch/v1/<community>/<device>/cmd. */
export const serviceMayPublish = isCommandTopic;

/** A service may subscribe to command topics only (auditing), with `+` for community and device. */
export const serviceMaySubscribe = isCommandFilter;

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
