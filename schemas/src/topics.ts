/**
 * MQTT topic layout, versioned: gatewatch/v1/<communityId>/<deviceId>/<kind>.
 * The topic carries identity; the broker checks it against the device's
 * credentials, so a payload never claims where it comes from.
 */
import { MESSAGE_KINDS, type MessageKind } from './device-messages.js';

export const TOPIC_ROOT = 'gatewatch';
export const TOPIC_VERSION = 'v1';
const SLUG_SOURCE = '[a-z0-9][a-z0-9_-]{0,63}';
const SLUG = new RegExp(`^${SLUG_SOURCE}$`);

export function telemetryTopic(communityId: string, deviceId: string, kind: MessageKind): string {
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${communityId}/${deviceId}/${kind}`;
}

/** The one topic a device may subscribe to: commands addressed to it. */
export function commandTopic(communityId: string, deviceId: string): string {
  return `${TOPIC_ROOT}/${TOPIC_VERSION}/${communityId}/${deviceId}/cmd`;
}

export type ParsedTopic =
  | { ok: true; communityId: string; deviceId: string; kind: MessageKind }
  | { ok: false; reason: string };

export function parseTelemetryTopic(topic: string): ParsedTopic {
  const parts = topic.split('/');
  if (parts.length !== 5) return { ok: false, reason: `topic must have 5 levels ${TOPIC_ROOT}/${TOPIC_VERSION}/<community>/<device>/<kind>` };
  const [root, version, communityId, deviceId, kind] = parts as [string, string, string, string, string];
  if (root !== TOPIC_ROOT) return { ok: false, reason: `topic must start with ${TOPIC_ROOT}/` };
  if (version !== TOPIC_VERSION) return { ok: false, reason: `unsupported topic version "${version}", expected ${TOPIC_VERSION}` };
  if (!SLUG.test(communityId)) return { ok: false, reason: `invalid community id "${communityId}" in topic` };
  if (!SLUG.test(deviceId)) return { ok: false, reason: `invalid device id "${deviceId}" in topic` };
  if (!(MESSAGE_KINDS as string[]).includes(kind)) return { ok: false, reason: `unknown message kind "${kind}"; one of ${MESSAGE_KINDS.join(', ')}` };
  return { ok: true, communityId, deviceId, kind: kind as MessageKind };
}

/**
 * Who may use which topic, the one statement of it: the embedded broker's ACLs
 * (services/broker/authorize.ts) and RabbitMQ's HTTP auth backend
 * (services/api/routes/rabbitmq-auth.ts) both ask these.
 */
const COMMAND_TOPIC = new RegExp(`^${TOPIC_ROOT}/${TOPIC_VERSION}/${SLUG_SOURCE}/${SLUG_SOURCE}/cmd$`);
const COMMAND_FILTER = new RegExp(`^${TOPIC_ROOT}/${TOPIC_VERSION}/(?:${SLUG_SOURCE}|\\+)/(?:${SLUG_SOURCE}|\\+)/cmd$`);

/** A device publishes only on gatewatch/v1/<own community>/<own device>/<kind>, kind one level and not "cmd". */
export function isOwnPublishTopic(communityId: string, deviceId: string, topic: string): boolean {
  const prefix = `${TOPIC_ROOT}/${TOPIC_VERSION}/${communityId}/${deviceId}/`;
  if (!topic.startsWith(prefix)) return false;
  const kind = topic.slice(prefix.length);
  return kind.length > 0 && !kind.includes('/') && kind !== 'cmd';
}

/** A service may publish a command to one device: gatewatch/v1/<community>/<device>/cmd. */
export const isCommandTopic = (topic: string): boolean => COMMAND_TOPIC.test(topic);

/** A service may subscribe to command topics only (auditing), with `+` for community and device. */
export const isCommandFilter = (filter: string): boolean => COMMAND_FILTER.test(filter);
