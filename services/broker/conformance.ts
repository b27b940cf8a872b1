/**
 * MQTT 3.1.1 rules aedes 1.2 does not enforce, checked at CONNECT and PUBLISH.
 *
 * - A topic holds no U+0000 [MQTT-4.7.3-2] and is well-formed UTF-8
 *   [MQTT-1.5.3-1]: on either the server closes the connection. The parser
 *   has already decoded the topic, replacing ill-formed bytes with U+FFFD, so
 *   a topic with U+FFFD is treated as ill-formed (no gatewatch topic uses it).
 * - A will topic is a topic name: no `#` or `+` [MQTT-3.1.3-11, MQTT-4.7.1-1];
 *   a CONNECT with one is malformed and the connection is closed without a
 *   CONNACK [MQTT-3.1.4-1].
 * - An empty client id needs clean session [MQTT-3.1.3-7]; without it the
 *   server answers CONNACK 0x02 "identifier rejected" and closes
 *   [MQTT-3.1.3-8]. aedes replaces the empty id before authenticate runs,
 *   so preConnect marks the client and authenticate refuses it.
 */
import type { Client, ConnectPacket } from 'aedes';

/** False for a topic with U+0000 or ill-formed UTF-8 (decoded as U+FFFD). */
export const topicIsWellFormed = (topic: string): boolean => !topic.includes('\u0000') && !topic.includes('\uFFFD');

const isTopicName = (topic: string): boolean => topicIsWellFormed(topic) && !topic.includes('#') && !topic.includes('+') && topic.length > 0;

type MarkedClient = Client & { gatewatchEmptyPersistentId?: boolean };

/** aedes' preConnect: false closes the connection without a CONNACK. */
export function preConnect(client: Client, packet: ConnectPacket, done: (err: Error | null, ok: boolean) => void): void {
  if (packet.will && !isTopicName(packet.will.topic)) return done(new Error('will topic is not a valid topic name [MQTT-3.1.3-11]'), false);
  (client as MarkedClient).gatewatchEmptyPersistentId = !packet.clientId && packet.clean === false;
  done(null, true);
}

/** True when the CONNECT had an empty client id with clean session off [MQTT-3.1.3-8]. */
export const emptyPersistentClientId = (client: Client): boolean => (client as MarkedClient).gatewatchEmptyPersistentId === true;
