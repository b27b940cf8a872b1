/**
 * Building blocks shared by every device message and HTTP body.
 * Everything here is topic-safe and privacy-safe by construction.
 */
import { z } from 'zod';

/** Identifiers that appear in MQTT topics: no `/`, `+`, `#` or `$`, lower case. */
export const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 chars of a-z, 0-9, "_" or "-", starting with a letter or digit');

export const CommunityId = Slug.describe('Community (小区) id, as in the topic');
export const DeviceId = Slug.describe('Device id, as in the topic');
export const GateId = Slug.describe('Gate (出入口) id within the community');
export const AreaId = Slug.describe('Public area id within the community (lobby, corridor, parking, stairwell, elevator car, ...)');

/** Person references: the one definition is in pseudonymous-ref.ts. */
export { PseudonymousRef } from './pseudonymous-ref.js';

/** Event time as written by the device: ISO 8601 with an explicit offset, so no day boundary is guessed. */
export const EventTime = z.iso
  .datetime({ offset: true })
  .describe('Event time on the device, ISO 8601 with offset, e.g. 2021-02-03T08:15:00+08:00');

/** Per-device monotonic sequence number: (device, seq) identifies a message for de-duplication. */
export const Seq = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('Per-device sequence number, for de-duplication');

/** Fields every device message carries. */
export const Envelope = z.object({ seq: Seq, ts: EventTime });
