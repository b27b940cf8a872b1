/**
 * The MQTT payload contract: one zod schema per message kind. Device makers get
 * the JSON Schema generated from these (schemas/json/), the service validates
 * with them, and the TypeScript types come from `z.infer`.
 */
import { z } from 'zod';
import { AreaId, Envelope, EventTime, GateId, PseudonymousRef, Slug } from './common.js';

/**
 * Who a person at a gate is: the one list shared by a thermometer reading's
 * `subject` and an access event's `role`, so a courier measured at the gate is
 * the same courier the panel lets in. Widened within v1 (2026-12): `subject`
 * used to take resident, visitor and staff only; those stay valid.
 */
export const PersonRole = z.enum(['resident', 'visitor', 'staff', 'courier', 'food_delivery', 'contractor']);
/** A thermometer reading's subject (the shared PersonRole). */
export const SubjectKind = PersonRole;
/** An access event's role (the shared PersonRole). */
export const EntryRole = PersonRole;

/** Gate thermometer: one body-temperature measurement at a gate. */
export const TemperatureReading = Envelope.extend({
  gateId: GateId,
  // Any finite value is accepted here: implausible values are a device fault
  // decided by the rules (SPEC fever rule), not a schema rejection.
  temperatureC: z.number().min(-40).max(100).describe('Measured body temperature, °C'),
  subject: SubjectKind.describe('Who was measured'),
  personRef: PseudonymousRef,
}).strict();

/** "一测二问三核查": temperature measured, identity verified, itinerary (行程码) checked. */
export const EntryChecks = z
  .object({ temperature: z.boolean(), identity: z.boolean(), itinerary: z.boolean() })
  .strict()
  .describe('Which of the three entry checks were done (required for direction "in"; optional or null for "out")');

/**
 * Access panel: one pass (or refusal) through a gate, with the checks the panel saw done.
 * An exit carries no checks (absent or null); an entry must (a cross-field rule:
 * the generated JSON Schema states it as if/then, zod as a refinement).
 */
export const AccessEvent = Envelope.extend({
  gateId: GateId,
  direction: z.enum(['in', 'out']),
  role: EntryRole,
  personRef: PseudonymousRef.optional(),
  decision: z.enum(['allowed', 'denied']),
  checks: EntryChecks.nullable().optional(),
})
  .strict()
  .refine((m) => m.direction !== 'in' || (m.checks !== undefined && m.checks !== null), {
    message: 'checks is required when direction is in',
    path: ['checks'],
  });

/** Gate attendant shift start or end, from the gate's duty panel. */
export const ShiftEvent = Envelope.extend({
  gateId: GateId,
  event: z.enum(['start', 'end']),
  staffRef: PseudonymousRef,
}).strict();

export const DisinfectionTarget = z.enum(['area', 'touch_points', 'garbage']);
export const DisinfectionAgent = z.enum(['chlorine', 'alcohol_75']);

/** Disinfection sprayer / wipe session, reported when it ends. */
export const DisinfectionSession = Envelope.extend({
  areaId: AreaId,
  location: z.string().min(1).max(120).describe('Where in the area, free text (e.g. "B2 lobby")'),
  target: DisinfectionTarget.describe('Public-area spraying, touch-point wiping or garbage-bin spraying'),
  agent: DisinfectionAgent,
  concentrationMgPerL: z
    .number()
    .min(0)
    .max(100000)
    .optional()
    .describe('Available chlorine, mg/L (required for chlorine)'),
  startedAt: EventTime,
  durationS: z.number().int().min(0).max(86400),
  operatorRef: PseudonymousRef.describe('Who did it (pseudonymous)'),
})
  .strict()
  .refine((m) => m.agent !== 'chlorine' || m.concentrationMgPerL !== undefined, {
    message: 'concentrationMgPerL is required when agent is chlorine',
    path: ['concentrationMgPerL'],
  });

/** Ventilation controller: one ventilation period of an indoor public area, reported when it ends. */
export const VentilationSession = Envelope.extend({
  areaId: AreaId,
  location: z.string().min(1).max(120),
  startedAt: EventTime,
  durationS: z.number().int().min(0).max(86400),
}).strict();

/** Broadcast speaker state change (prevention broadcasts play all day). */
export const BroadcastStatus = Envelope.extend({
  state: z.enum(['playing', 'stopped', 'fault']),
}).strict();

/** Activity-room door sensor (indoor venues stay closed). */
export const DoorEvent = Envelope.extend({
  roomId: Slug.describe('Activity room id'),
  state: z.enum(['open', 'closed']),
}).strict();

/** Device status / heartbeat. */
export const DeviceStatus = Envelope.extend({
  state: z.enum(['online', 'offline', 'fault']),
  batteryPct: z.number().min(0).max(100).optional(),
  rssiDbm: z.number().min(-150).max(0).optional(),
  firmware: z.string().max(40).optional(),
  uptimeS: z.number().int().min(0).optional(),
}).strict();

/** Every message kind, keyed by the last topic segment. */
export const DeviceMessageSchemas = {
  temperature: TemperatureReading,
  access: AccessEvent,
  shift: ShiftEvent,
  disinfection: DisinfectionSession,
  ventilation: VentilationSession,
  broadcast: BroadcastStatus,
  door: DoorEvent,
  status: DeviceStatus,
} as const;

export type MessageKind = keyof typeof DeviceMessageSchemas;
export const MESSAGE_KINDS = Object.keys(DeviceMessageSchemas) as MessageKind[];

export type TemperatureReading = z.infer<typeof TemperatureReading>;
export type AccessEvent = z.infer<typeof AccessEvent>;
export type ShiftEvent = z.infer<typeof ShiftEvent>;
export type DisinfectionSession = z.infer<typeof DisinfectionSession>;
export type VentilationSession = z.infer<typeof VentilationSession>;
export type BroadcastStatus = z.infer<typeof BroadcastStatus>;
export type DoorEvent = z.infer<typeof DoorEvent>;
export type DeviceStatus = z.infer<typeof DeviceStatus>;

export type PayloadOf<K extends MessageKind> = z.infer<(typeof DeviceMessageSchemas)[K]>;

/** A validated message with its origin: the discriminated union the rules consume. */
export type DeviceMessage = {
  [K in MessageKind]: { kind: K; communityId: string; deviceId: string; payload: PayloadOf<K> };
}[MessageKind];
