/**
 * Communities (小区) and their gates, public areas, staff and devices: admins
 * write, admins, operators and inspectors read. Adding a device generates its
 * MQTT secret here and shows it once; only its scrypt hash is kept.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CommunityBody, CommunityParams, CommunityPutBody, DeviceCreateBody, DeviceSecretBody, type AreaKind, type StaffRole } from '../../../schemas/src/registry.js';
import { hashSecret, newSecret } from '../../auth/secrets.js';
import type { RegistryRepo } from '../../store/registry-repo.js';
import { actorOf } from '../auth.js';
import { HttpError, notFound } from '../errors.js';
import { deviceToBody, READERS, registryErrors, type DeviceControl } from './devices.js';

export interface CommunityRouteDeps {
  registry: RegistryRepo;
  control: DeviceControl;
  now: () => number;
}

export async function communityRoutes(app: FastifyInstance, deps: CommunityRouteDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { registry, control } = deps;

  function communityBody(id: string): CommunityBody | undefined {
    const c = registry.getCommunity(id);
    if (!c) return undefined;
    return {
      ...c,
      gates: registry.gates(id).map((g) => ({ id: g.id, name: g.name })),
      areas: registry.areas(id).map((a) => ({ id: a.id, name: a.name, kind: a.kind as z.infer<typeof AreaKind> })),
      staff: registry.staff(id).map((s) => ({ ref: s.ref, role: s.role as z.infer<typeof StaffRole>, active: s.active })),
      devices: registry.devices(id).map((d) => deviceToBody(d, control)),
    };
  }

  r.put(
    '/api/v1/communities/:communityId',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['registry'], summary: 'Create or update a community with its gates, areas and staff (upsert; none removed)',
        params: CommunityParams, body: CommunityPutBody, response: { 200: CommunityBody, ...registryErrors },
      },
    },
    async (req) => {
      const { communityId } = req.params;
      registry.saveCommunity({ id: communityId, ...req.body });
      req.log.info({ community: communityId, actor: actorOf(req) }, 'community saved');
      return communityBody(communityId)!;
    },
  );

  r.get(
    '/api/v1/communities',
    { config: { access: READERS }, schema: { tags: ['registry'], summary: 'Every community with its registry', response: { 200: z.object({ items: z.array(CommunityBody) }), ...registryErrors } } },
    async () => ({ items: registry.listCommunities().map((c) => communityBody(c.id)!) }),
  );

  r.get(
    '/api/v1/communities/:communityId',
    { config: { access: READERS }, schema: { tags: ['registry'], params: CommunityParams, response: { 200: CommunityBody, ...registryErrors } } },
    async (req) => {
      const body = communityBody(req.params.communityId);
      if (!body) throw notFound('community');
      return body;
    },
  );

  r.post(
    '/api/v1/communities/:communityId/devices',
    {
      config: { access: ['admin'] },
      schema: {
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
      if (!registry.insertDevice({ id, communityId, kind, location, secretHash }, deps.now())) throw conflict();
      req.log.info({ community: communityId, device: id, actor: actorOf(req) }, 'device added');
      return reply.code(201).send({ id, communityId, kind, location, enabled: true, secret });
    },
  );
}
