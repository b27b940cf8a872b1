/**
 * Communities (小区) and their gates, public areas, staff and devices: admins
 * write, admins, operators and inspectors read (operators: their company's).
 * Adding a device generates its MQTT secret here and shows it once; only its
 * scrypt hash is kept. Every change is in the audit log, in its transaction.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CommunityBody,
  CommunityParams,
  CommunityPutBody,
  DeviceCreateBody,
  DeviceSecretBody,
  staffAtUnknownGates,
  type AreaKind,
  type StaffBody,
} from '../../../schemas/src/registry.js';
import { hashSecret, newSecret } from '../../crypto/secrets.js';
import type { RegistryRepo, Staff } from '../../store/registry-repo.js';
import { actorOf, auditActorOf } from '../auth.js';
import { HttpError, notFound } from '../errors.js';
import type { Changes } from '../changes.js';
import { visibleCommunities, type ScopeStore } from '../tenancy.js';
import { deviceAuditShape } from '../../store/registry-repo.js';
import { devicesToBodies, READERS, registryErrors, type DeviceControl } from './devices.js';

export interface CommunityRouteDeps {
  registry: RegistryRepo;
  control: DeviceControl;
  now: () => number;
  scope: ScopeStore;
  changes: Changes;
}

/** A stored staff entry as served; the store keeps what StaffSpec validated. */
export function staffToBody(s: Staff): StaffBody {
  return {
    ref: s.ref,
    role: s.role as StaffBody['role'],
    active: s.active,
    ...(s.gate !== undefined && { gate: s.gate }),
    ...(s.shift !== undefined && { shift: s.shift }),
    ...(s.duties !== undefined && { duties: s.duties as NonNullable<StaffBody['duties']> }),
  };
}

export async function communityRoutes(app: FastifyInstance, deps: CommunityRouteDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { registry, control } = deps;

  /** A community's registry entry without its devices (also what the audit log keeps: devices have their own entries). */
  function communityAuditShape(id: string): Omit<CommunityBody, 'devices'> | null {
    const c = registry.getCommunity(id);
    if (!c) return null;
    return {
      ...c,
      gates: registry.gates(id).map((g) => ({ id: g.id, name: g.name })),
      areas: registry.areas(id).map((a) => ({ id: a.id, name: a.name, kind: a.kind as z.infer<typeof AreaKind> })),
      staff: registry.staff(id).map(staffToBody),
    };
  }

  async function communityBody(id: string): Promise<CommunityBody | undefined> {
    const entry = communityAuditShape(id);
    return entry ? { ...entry, devices: await devicesToBodies(registry.devices(id), control) } : undefined;
  }

  r.put(
    '/api/v1/communities/:communityId',
    {
      // An upsert: it may create the community, so it is not scoped by an existing one (admins see the county).
      config: { access: ['admin'], tenant: { kind: 'county' } },
      schema: {
        operationId: 'putCommunitiesByCommunityid',
        tags: ['registry'], summary: 'Create or update a community with its gates, areas and staff (upsert; none removed)',
        params: CommunityParams, body: CommunityPutBody, response: { 200: CommunityBody, ...registryErrors },
      },
    },
    async (req) => {
      const { communityId } = req.params;
      const misplaced = staffAtUnknownGates(req.body.staff, [...registry.gates(communityId).map((g) => g.id), ...req.body.gates.map((g) => g.id)]);
      if (misplaced.length > 0) throw new HttpError(400, 'STAFF_GATE_UNKNOWN', `staff posted at a gate the community does not have: ${misplaced.join(', ')}`);
      deps.changes.run(() => {
        const before = communityAuditShape(communityId);
        registry.saveCommunity({ id: communityId, ...req.body });
        deps.changes.record({
          actor: auditActorOf(req), action: 'community.save', objectType: 'community', objectId: communityId, communityId,
          before, after: communityAuditShape(communityId),
        });
      });
      req.log.info({ community: communityId, actor: actorOf(req) }, 'community saved');
      return (await communityBody(communityId))!;
    },
  );

  r.get(
    '/api/v1/communities',
    {
      config: { access: READERS, tenant: { kind: 'list' } },
      schema: { operationId: 'getCommunities', tags: ['registry'], summary: 'Every community the caller sees, with its registry', response: { 200: z.object({ items: z.array(CommunityBody) }), ...registryErrors } },
    },
    async (req) => ({ items: (await Promise.all(registry.listCommunities(visibleCommunities(req, deps.scope)).map((c) => communityBody(c.id)))).map((b) => b!) }),
  );

  r.get(
    '/api/v1/communities/:communityId',
    { config: { access: READERS, tenant: { kind: 'community', param: 'communityId' } }, schema: { operationId: 'getCommunitiesByCommunityid', tags: ['registry'], params: CommunityParams, response: { 200: CommunityBody, ...registryErrors } } },
    async (req) => {
      const body = await communityBody(req.params.communityId);
      if (!body) throw notFound('community');
      return body;
    },
  );

  r.post(
    '/api/v1/communities/:communityId/devices',
    {
      config: { access: ['admin'], tenant: { kind: 'community', param: 'communityId' } },
      schema: {
        operationId: 'postCommunitiesByCommunityidDevices',
        tags: ['registry'], summary: 'Add a device; its MQTT secret is in this answer only',
        params: CommunityParams, body: DeviceCreateBody, response: { 201: DeviceSecretBody, ...registryErrors },
      },
    },
    async (req, reply) => {
      const { communityId } = req.params;
      const { id, kind, location } = req.body;
      if (!registry.getCommunity(communityId)) throw notFound('community');
      const conflict = () => new HttpError(409, 'DEVICE_EXISTS', `device ${id} exists already; rotate its secret instead`);
      if (registry.getDevice(id)) throw conflict();
      const secret = newSecret();
      const secretHash = await hashSecret(secret);
      // Checked again after the (asynchronous) hashing: insert is the atomic step.
      const inserted = deps.changes.run(() => {
        if (!registry.insertDevice({ id, communityId, kind, location, secretHash }, deps.now())) return false;
        deps.changes.record({
          actor: auditActorOf(req), action: 'device.add', objectType: 'device', objectId: id, communityId,
          before: null, after: deviceAuditShape(registry.getDevice(id)!),
        });
        return true;
      });
      if (!inserted) throw conflict();
      req.log.info({ community: communityId, device: id, actor: actorOf(req) }, 'device added');
      return reply.code(201).send({ id, communityId, kind, location, enabled: true, secret });
    },
  );
}
