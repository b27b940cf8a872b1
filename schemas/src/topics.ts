/**
 * MQTT topic layout, versioned: gatewatch/v1/<communityId>/<deviceId>/<kind>.
 * The topic carries identity; the broker checks it against the device's
 * credentials, so a payload never claims where it comes from.
 */
import { MESSAGE_KINDS, type MessageKind } from './device-messages.js';

export const TOPIC_ROOT = 'gatewatch';
export const TOPIC_VERSION = 'v1';
const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;

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
