/**
 * What the engine needs to know of a community, mirroring the registry tables
 * (services/store/migrations/0001_core.sql). The adapter builds it from the
 * store; the engine only reads it.
 */
import { z } from 'zod';
import { StaffDuty } from '../../schemas/src/registry.js';
import { isValidTimeZone } from '../time/local-day.js';

export const AreaKind = z.enum([
  'lobby',
  'corridor',
  'parking',
  'stairwell',
  'elevator',
  'touch_points',
  'garbage',
  'indoor',
  'activity_room',
]);
export type AreaKind = z.infer<typeof AreaKind>;

/** 三(四)1, 3: public areas sprayed twice a day (lobby, corridor, parking, stairwell, elevator car). */
export const PUBLIC_AREA_KINDS: readonly AreaKind[] = ['lobby', 'corridor', 'parking', 'stairwell', 'elevator'];

export const DeviceKind = z.enum(['thermometer', 'access_panel', 'sprayer', 'ventilation', 'speaker', 'door_sensor']);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const StaffRole = z.enum(['gate_attendant', 'cleaner', 'manager']);

export const CommunityLayoutSchema = z.object({
  communityId: z.string().min(1),
  /** IANA zone of the community (communities.time_zone); the config default when absent. */
  timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone').optional(),
  gates: z.array(z.object({ id: z.string().min(1) })),
  areas: z.array(z.object({ id: z.string().min(1), kind: AreaKind })),
  /** location: the gateId / areaId / roomId the device is installed at ('' when mobile). */
  devices: z.array(z.object({ id: z.string().min(1), kind: DeviceKind, location: z.string() })),
  /**
   * gate, shift, duties: the registered assignment, absent when not registered
   * (then no rule judges against it). gate-staffed reads `gate` (offGateShifts).
   */
  staff: z.array(
    z.object({
      ref: z.string().min(1),
      role: StaffRole,
      active: z.boolean(),
      gate: z.string().min(1).optional(),
      shift: z.object({ start: z.string(), end: z.string() }).optional(),
      duties: z.array(StaffDuty).optional(),
    }),
  ),
});
export type CommunityLayout = z.infer<typeof CommunityLayoutSchema>;

export function areasOfKind(layout: CommunityLayout, kinds: readonly AreaKind[]): string[] {
  return layout.areas.filter((a) => kinds.includes(a.kind)).map((a) => a.id);
}

export function devicesAt(layout: CommunityLayout, kind: DeviceKind, location?: string): string[] {
  return layout.devices.filter((d) => d.kind === kind && (location === undefined || d.location === location)).map((d) => d.id);
}

/** Where each active attendant with a registered gate is posted: ref -> gateId. */
export function postedGates(layout: CommunityLayout): Map<string, string> {
  return new Map(layout.staff.filter((s) => s.active && s.gate !== undefined).map((s) => [s.ref, s.gate as string]));
}
