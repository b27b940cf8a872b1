/**
 * The v1 contract widened within v1 (issue 15.4, schemas/README.md "Changes
 * within v1"): every payload valid before stays valid and decodes to the same
 * message; a thermometer's subject takes every access role; an exit may carry
 * no checks while an entry still must; registry staff may carry gate, shift
 * and duties. The payloads below are written out literally, as devices and
 * registry files sent them before the change, not derived from the schemas.
 */
import { describe, expect, it } from 'vitest';
import { decodeDeviceMessage, PersonRole, SubjectKind, EntryRole } from '../../schemas/src/index.js';
import { CommunityPutBody, RegistryFile, StaffSpec, staffAtUnknownGates } from '../../schemas/src/registry.js';
import { renderJsonSchemas } from '../../schemas/generate.js';

const TS = '2021-02-03T08:15:05+08:00';
const CHECKS = { temperature: true, identity: false, itinerary: true };

/** Valid before the change: [topic kind, payload]. */
const OLD_PAYLOADS: [string, Record<string, unknown>][] = [
  ['temperature', { seq: 1, ts: TS, gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: 'p-7f3a9c' }],
  ['temperature', { seq: 2, ts: TS, gateId: 'g1', temperatureC: 38.1, subject: 'visitor', personRef: 'v-0001' }],
  ['temperature', { seq: 3, ts: TS, gateId: 'g1', temperatureC: 36.6, subject: 'staff', personRef: 's-guard-01' }],
  ['access', { seq: 4, ts: TS, gateId: 'g1', direction: 'in', role: 'resident', personRef: 'p-7f3a9c', decision: 'allowed', checks: CHECKS }],
  ['access', { seq: 5, ts: TS, gateId: 'g1', direction: 'out', role: 'courier', decision: 'allowed', checks: CHECKS }],
  ['access', { seq: 6, ts: TS, gateId: 'g1', direction: 'in', role: 'contractor', decision: 'denied', checks: { temperature: false, identity: false, itinerary: false } }],
];

const decode = (kind: string, payload: unknown, device = 'dev-1') => decodeDeviceMessage(`gatewatch/v1/hc-001/${device}/${kind}`, JSON.stringify(payload));

describe('v1 payloads from before the widening', () => {
  it.each(OLD_PAYLOADS.map(([kind, p]) => [`${kind} seq ${p.seq}`, kind, p] as const))('%s decodes to exactly what was sent', (_name, kind, payload) => {
    expect(decode(kind, payload)).toEqual({ ok: true, message: { kind, communityId: 'hc-001', deviceId: 'dev-1', payload } });
  });
});

describe('thermometer subject: every role an access event knows', () => {
  it('is one enum, shared by subject and role', () => {
    expect(SubjectKind).toBe(PersonRole);
    expect(EntryRole).toBe(PersonRole);
    expect(PersonRole.options).toEqual(['resident', 'visitor', 'staff', 'courier', 'food_delivery', 'contractor']);
  });

  it.each(['courier', 'food_delivery', 'contractor', 'visitor', 'resident', 'staff'])('accepts subject %s', (subject) => {
    const payload = { seq: 7, ts: TS, gateId: 'g1', temperatureC: 37.9, subject, personRef: 'w-0005' };
    expect(decode('temperature', payload)).toEqual({ ok: true, message: { kind: 'temperature', communityId: 'hc-001', deviceId: 'dev-1', payload } });
  });

  it('still refuses a subject that is no role', () => {
    expect(decode('temperature', { seq: 8, ts: TS, gateId: 'g1', temperatureC: 36.5, subject: 'guest', personRef: 'p-7f3a9c' })).toEqual({
      ok: false,
      code: 'PAYLOAD_SCHEMA_INVALID',
      reason: 'subject: Invalid option: expected one of "resident"|"visitor"|"staff"|"courier"|"food_delivery"|"contractor"',
    });
  });
});

describe('access checks: optional on an exit, required on an entry', () => {
  const exit = { seq: 9, ts: TS, gateId: 'g1', direction: 'out', role: 'resident', personRef: 'p-7f3a9c', decision: 'allowed' };

  it('accepts an exit without checks, and with checks null', () => {
    expect(decode('access', exit)).toEqual({ ok: true, message: { kind: 'access', communityId: 'hc-001', deviceId: 'dev-1', payload: exit } });
    expect(decode('access', { ...exit, checks: null })).toEqual({ ok: true, message: { kind: 'access', communityId: 'hc-001', deviceId: 'dev-1', payload: { ...exit, checks: null } } });
  });

  it('refuses an entry without checks or with checks null, naming the field', () => {
    const refused = { ok: false, code: 'PAYLOAD_SCHEMA_INVALID', reason: 'checks: checks is required when direction is in' };
    expect(decode('access', { ...exit, direction: 'in' })).toEqual(refused);
    expect(decode('access', { ...exit, direction: 'in', checks: null })).toEqual(refused);
    expect(decode('access', { ...exit, direction: 'in', decision: 'denied' })).toEqual(refused);
  });

  it('still refuses incomplete checks on an exit, and other faults before the cross-field rule', () => {
    expect(decode('access', { ...exit, checks: { temperature: true } })).toMatchObject({ ok: false, reason: expect.stringContaining('checks.identity:') });
    // A reference refused as personal data is named (and so redacted) even when checks are missing too.
    const both = decode('access', { ...exit, direction: 'in', personRef: '13800138000' });
    expect(both).toMatchObject({ ok: false, code: 'PAYLOAD_SCHEMA_INVALID' });
    expect(both.ok === false && both.reason.startsWith('personRef:')).toBe(true);
  });
});

describe('generated JSON Schema states the widened contract', () => {
  const json = renderJsonSchemas();
  const access = JSON.parse(json.get('access.json')!);
  const temperature = JSON.parse(json.get('temperature.json')!);

  it('lists every subject and leaves checks out of the always-required fields', () => {
    expect(temperature.properties.subject.enum).toEqual(['resident', 'visitor', 'staff', 'courier', 'food_delivery', 'contractor']);
    expect(access.required).toEqual(['seq', 'ts', 'gateId', 'direction', 'role', 'decision']);
    expect(access.properties.checks.anyOf.map((s: { type: string }) => s.type)).toEqual(['object', 'null']);
  });

  it('requires an object of checks when direction is in (if/then)', () => {
    expect(access.if).toEqual({ properties: { direction: { const: 'in' } }, required: ['direction'] });
    expect(access.then).toEqual({ required: ['checks'], properties: { checks: { type: 'object' } } });
    expect(access.examples).toEqual([expect.objectContaining({ direction: 'in', checks: { temperature: true, identity: true, itinerary: true } })]);
  });
});

describe('registry staff: gate, shift and duties, all optional', () => {
  const oldFile = {
    communities: [{ id: 'hc-001', name: '阳光花园', propertyCompany: '安居物业', gates: [{ id: 'g1', name: '南门' }], staff: [{ ref: 's-guard-01', role: 'gate_attendant' }] }],
  };

  it('reads a registry file from before exactly as it did', () => {
    const parsed = RegistryFile.parse(oldFile);
    expect(parsed.communities[0]!.staff).toEqual([{ ref: 's-guard-01', role: 'gate_attendant', active: true }]);
  });

  it('accepts a gate, a shift (also past midnight) and duties', () => {
    const night = { ref: 's-guard-02', role: 'gate_attendant', gate: 'g1', shift: { start: '20:00', end: '08:00' }, duties: ['gate_duty', 'temperature_check'] };
    expect(StaffSpec.parse(night)).toEqual({ ...night, active: true });
  });

  it.each([
    ['a shift hour past 23', { shift: { start: '24:00', end: '08:00' } }, 'shift.start'],
    ['a shift without its end', { shift: { start: '08:00' } }, 'shift.end'],
    ['a shift starting when it ends', { shift: { start: '08:00', end: '08:00' } }, 'shift.end'],
    ['an unknown duty', { duties: ['parking'] }, 'duties.0'],
    ['a repeated duty', { duties: ['garbage', 'garbage'] }, 'duties'],
    ['a gate id that is no slug', { gate: 'South Gate' }, 'gate'],
  ])('refuses %s', (_what, extra, path) => {
    const r = CommunityPutBody.safeParse({ name: 'x', propertyCompany: 'y', staff: [{ ref: 's-guard-01', role: 'gate_attendant', ...extra }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual([`staff.0.${path}`]);
  });

  it('names staff posted at a gate the community does not have', () => {
    expect(staffAtUnknownGates([{ ref: 's-a1', gate: 'g1' }, { ref: 's-b2', gate: 'g9' }, { ref: 's-c3' }], ['g1'])).toEqual(['s-b2 (gate g9)']);
  });
});
