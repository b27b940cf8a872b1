/**
 * Registry shapes: a community with its gates, public areas, staff and devices.
 * Used by the registry file loaded for demos and by the admin API.
 */
import { z } from 'zod';
import { AreaId, CommunityId, DeviceId, GateId, PersonRef, Slug } from './common.js';

export const AreaKind = z.enum(['lobby', 'corridor', 'parking', 'stairwell', 'elevator', 'touch_points', 'garbage', 'indoor', 'activity_room']);
export const DeviceKind = z.enum(['thermometer', 'access_panel', 'sprayer', 'ventilation', 'speaker', 'door_sensor']);
export const StaffRole = z.enum(['gate_attendant', 'cleaner', 'manager']);

export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Asia/Shanghai');

export const GateSpec = z.object({ id: GateId, name: z.string().min(1).max(80) });
export const AreaSpec = z.object({ id: AreaId, name: z.string().min(1).max(80), kind: AreaKind });
export const StaffSpec = z.object({ ref: PersonRef, role: StaffRole, active: z.boolean().default(true) });
export const DeviceSpec = z.object({
  id: DeviceId,
  kind: DeviceKind,
  location: Slug.describe('gateId, areaId or roomId where it is installed').or(z.literal('')).default(''),
  secret: z.string().min(12, 'device secrets must be at least 12 characters').max(200),
  enabled: z.boolean().default(true),
});

export const CommunitySpec = z.object({
  id: CommunityId,
  name: z.string().min(1).max(80),
  propertyCompany: z.string().min(1).max(120),
  timeZone: TimeZone.default('Asia/Shanghai'),
  gates: z.array(GateSpec).default([]),
  areas: z.array(AreaSpec).default([]),
  staff: z.array(StaffSpec).default([]),
  devices: z.array(DeviceSpec).default([]),
});

export const RegistryFile = z.object({ communities: z.array(CommunitySpec) });

export type CommunitySpec = z.infer<typeof CommunitySpec>;
export type RegistryFile = z.infer<typeof RegistryFile>;
