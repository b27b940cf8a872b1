/**
 * Decode one MQTT message (topic + raw payload) into a validated DeviceMessage,
 * or a rejection with a machine code and a human reason for the dead-letter.
 */
import type { z } from 'zod';
import { DeviceMessageSchemas, type DeviceMessage } from './device-messages.js';
import { parseTelemetryTopic } from './topics.js';

export type RejectCode = 'TOPIC_INVALID' | 'PAYLOAD_TOO_LARGE' | 'PAYLOAD_NOT_JSON' | 'PAYLOAD_SCHEMA_INVALID';

export type Decoded = { ok: true; message: DeviceMessage } | { ok: false; code: RejectCode; reason: string };

export function decodeDeviceMessage(topic: string, payload: Buffer | string, maxBytes = 16 * 1024): Decoded {
  const parsedTopic = parseTelemetryTopic(topic);
  if (!parsedTopic.ok) return { ok: false, code: 'TOPIC_INVALID', reason: parsedTopic.reason };
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > maxBytes) return { ok: false, code: 'PAYLOAD_TOO_LARGE', reason: `payload is ${size} bytes, limit ${maxBytes}` };
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (err) {
    return { ok: false, code: 'PAYLOAD_NOT_JSON', reason: `payload is not JSON: ${(err as Error).message}` };
  }
  const schema = DeviceMessageSchemas[parsedTopic.kind];
  const result = schema.safeParse(json);
  if (!result.success) return { ok: false, code: 'PAYLOAD_SCHEMA_INVALID', reason: formatIssues(result.error) };
  return {
    ok: true,
    message: { kind: parsedTopic.kind, communityId: parsedTopic.communityId, deviceId: parsedTopic.deviceId, payload: result.data } as DeviceMessage,
  };
}

/** "temperatureC: expected number, received string; gateId: required" */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
