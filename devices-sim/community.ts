/**
 * The simulated communities: gates, public areas, staff and devices, named so
 * scenarios can find them. Registry shapes come from schemas/src/registry.ts;
 * device ids carry the community id because device ids are global.
 */
import type { z } from 'zod';
import type { AreaKind, DeviceKind, GateSpec, StaffRole } from '../schemas/src/registry.js';

export type AreaKindName = z.infer<typeof AreaKind>;
export type DeviceKindName = z.infer<typeof DeviceKind>;

export interface SimDevice {
  id: string;
  kind: DeviceKindName;
  /** gateId, areaId or roomId; '' for the speaker. */
  location: string;
}

export interface SimStaff {
  ref: string;
  role: z.infer<typeof StaffRole>;
  active: boolean;
}

export interface SimCommunity {
  id: string;
  name: string;
  propertyCompany: string;
  timeZone: string;
  gates: z.infer<typeof GateSpec>[];
  areas: { id: string; name: string; kind: AreaKindName }[];
  staff: SimStaff[];
  devices: SimDevice[];
}

const NAMES = ['阳光花园', '幸福小区', '锦绣家园', '翠湖苑', '和平里', '松江新村', '桦林小区', '春晓苑', '明珠花园', '东方名苑'];
const COMPANIES = ['安居物业', '宜家物业', '桦川物业'];

/** Public areas sprayed twice a day (三(四)1), then the touch points, bins, indoor hall and activity room. */
export const AREAS: readonly { id: string; name: string; kind: AreaKindName }[] = [
  { id: 'b1-lobby', name: '1号楼大堂', kind: 'lobby' },
  { id: 'b1-corridor', name: '1号楼走廊', kind: 'corridor' },
  { id: 'parking', name: '地下停车场', kind: 'parking' },
  { id: 'b1-stairs', name: '1号楼楼梯间', kind: 'stairwell' },
  { id: 'b1-elevator', name: '1号楼电梯', kind: 'elevator' },
  { id: 'touch-1', name: '门把手与电梯按钮', kind: 'touch_points' },
  { id: 'bins-1', name: '垃圾收集点', kind: 'garbage' },
  { id: 'hall', name: '物业服务大厅', kind: 'indoor' },
  { id: 'club', name: '业主活动室', kind: 'activity_room' },
];

export const PUBLIC_KINDS: readonly AreaKindName[] = ['lobby', 'corridor', 'parking', 'stairwell', 'elevator'];
export const GATES = [
  { id: 'g1', name: '南门' },
  { id: 'g2', name: '北门' },
] as const;

/** Gate attendants per gate: a day (06-14), evening (14-22) and night (22-06) shift. */
export const SHIFTS = ['a', 'b', 'c'] as const;
export type ShiftName = (typeof SHIFTS)[number];
export const guardRef = (gateId: string, shift: ShiftName): string => `s-${gateId}-${shift}`;
export const CLEANERS = ['s-clean-1', 's-clean-2'] as const;
export const MANAGER = 's-mgr-1';

/** The id of community number n (1-based): sim-01, sim-02, ... */
export const communityId = (n: number, prefix = 'sim'): string => `${prefix}-${String(n).padStart(2, '0')}`;

/** Device ids of a community, by role, so scenarios never spell them out. */
export function deviceIds(cid: string) {
  return {
    thermometer: (gateId: string) => `${cid}-therm-${gateId}`,
    panel: (gateId: string) => `${cid}-panel-${gateId}`,
    sprayer: (areaId: string) => `${cid}-spray-${areaId}`,
    ventilation: (areaId: string) => `${cid}-vent-${areaId}`,
    speaker: `${cid}-speaker-1`,
    door: (roomId: string) => `${cid}-door-${roomId}`,
  };
}

/** Community number n (1-based), the same every time. */
export function buildCommunity(n: number, prefix = 'sim', timeZone = 'Asia/Shanghai'): SimCommunity {
  const id = communityId(n, prefix);
  const ids = deviceIds(id);
  const devices: SimDevice[] = [];
  for (const g of GATES) {
    devices.push({ id: ids.thermometer(g.id), kind: 'thermometer', location: g.id });
    devices.push({ id: ids.panel(g.id), kind: 'access_panel', location: g.id });
  }
  for (const a of AREAS) {
    if (PUBLIC_KINDS.includes(a.kind) || a.kind === 'touch_points' || a.kind === 'garbage') {
      devices.push({ id: ids.sprayer(a.id), kind: 'sprayer', location: a.id });
    }
    if (PUBLIC_KINDS.includes(a.kind) || a.kind === 'indoor') devices.push({ id: ids.ventilation(a.id), kind: 'ventilation', location: a.id });
    if (a.kind === 'activity_room') devices.push({ id: ids.door(a.id), kind: 'door_sensor', location: a.id });
  }
  devices.push({ id: ids.speaker, kind: 'speaker', location: '' });
  const staff: SimStaff[] = [
    ...GATES.flatMap((g) => SHIFTS.map((s) => ({ ref: guardRef(g.id, s), role: 'gate_attendant' as const, active: true }))),
    ...CLEANERS.map((ref) => ({ ref, role: 'cleaner' as const, active: true })),
    { ref: MANAGER, role: 'manager', active: true },
  ];
  return {
    id,
    name: NAMES[(n - 1) % NAMES.length]!,
    propertyCompany: COMPANIES[(n - 1) % COMPANIES.length]!,
    timeZone,
    gates: GATES.map((g) => ({ ...g })),
    areas: AREAS.map((a) => ({ ...a })),
    staff,
    devices,
  };
}

export const areasOfKind = (c: SimCommunity, kinds: readonly AreaKindName[]): string[] => c.areas.filter((a) => kinds.includes(a.kind)).map((a) => a.id);

/** A community for load runs: one gate and `n` thermometers at it. */
export function buildLoadCommunity(n: number, id = 'load-01', timeZone = 'Asia/Shanghai'): SimCommunity {
  return {
    id, name: '压测小区', propertyCompany: '压测物业', timeZone,
    gates: [{ id: 'g1', name: '南门' }], areas: [], staff: [],
    devices: Array.from({ length: n }, (_, i) => ({ id: `${id}-therm-${String(i + 1).padStart(4, '0')}`, kind: 'thermometer' as const, location: 'g1' })),
  };
}
