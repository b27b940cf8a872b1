/**
 * Devices: list with live presence (admins, operators, inspectors), and the
 * admin actions on one device: rotate its secret, enable or disable it. Both
 * actions close the device's live MQTT connection, so the old secret or a
 * disabled device stops at once, not at its next reconnect.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorBody } from '../../../schemas/src/http.js';
import { DeviceBody, DeviceListQuery, DeviceParams, DevicePatchBody, RotatedSecretBody, type DeviceKind } from '../../../schemas/src/registry.js';
import { hashSecret, newSecret } from '../../crypto/secrets.js';
import { deviceAuditShape, type Device, type RegistryRepo } from '../../store/registry-repo.js';
import { actorOf, auditActorOf } from '../auth.js';
import { notFound } from '../errors.js';
import type { Changes } from '../changes.js';
import { visibleCommunities, type ScopeStore } from '../tenancy.js';

/** What the API needs from the broker (the API does not import it; the runtime wires it). */
export interface DeviceControl {
  /** Live presence of each device, in the order asked (the broker runs on its own thread: asynchronous). */
  presenceOf(deviceIds: readonly string[]): Promise<{ online: boolean; connectedAt: number | null; lastSeenAt: number | null }[]>;
  /** Closes the device's live connections; resolves to how many. */
  disconnectDevice(deviceId: string, reason: 'disabled' | 'secret_rotated'): Promise<number>;
}

export interface DeviceRouteDeps {
  registry: RegistryRepo;
  control: DeviceControl;
  scope: ScopeStore;
  changes: Changes;
}


const isoOrNull = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function devicesToBodies(devices: readonly Device[], control: DeviceControl): Promise<DeviceBody[]> {
  const presence = await control.presenceOf(devices.map((d) => d.id));
  return devices.map((d, i) => {
    const p = presence[i]!;
    return {
      id: d.id, communityId: d.communityId, kind: d.kind as z.infer<typeof DeviceKind>, location: d.location, enabled: d.enabled,
      online: p.online, lastSeenAt: isoOrNull(p.lastSeenAt), connectedAt: isoOrNull(p.connectedAt),
    };
  });
}

export const READERS = ['admin', 'operator', 'inspector'] as const;
export const registryErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export async function deviceRoutes(app: FastifyInstance, deps: DeviceRouteDeps): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { registry, control } = deps;

  r.get(
    '/api/v1/devices',
    {
      config: { access: READERS, tenant: { kind: 'list' } },
      schema: { operationId: 'getDevices', tags: ['registry'], summary: 'Devices with presence (online, last seen)', querystring: DeviceListQuery, response: { 200: z.object({ items: z.array(DeviceBody) }), ...registryErrors } },
    },
    async (req) => ({ items: await devicesToBodies(registry.devices(req.query.communityId, visibleCommunities(req, deps.scope)), control) }),
  );

  r.post(
    '/api/v1/devices/:deviceId/rotate-secret',
    {
      config: { access: ['admin'], tenant: { kind: 'device', param: 'deviceId' } },
      schema: { operationId: 'postDevicesByDeviceidRotateSecret', tags: ['registry'], summary: 'New MQTT secret (shown once); the live connection is closed', params: DeviceParams, response: { 200: RotatedSecretBody, ...registryErrors } },
    },
    async (req) => {
      const { deviceId } = req.params;
      if (!registry.getDevice(deviceId)) throw notFound('device');
      const secret = newSecret();
      const secretHash = await hashSecret(secret);
      const rotated = deps.changes.run(() => {
        const before = registry.getDevice(deviceId);
        if (!before || !registry.setDeviceSecret(deviceId, secretHash)) return false;
        deps.changes.record({
          actor: auditActorOf(req), action: 'device.rotate_secret', objectType: 'device', objectId: deviceId, communityId: before.communityId,
          before: deviceAuditShape(before), after: deviceAuditShape(registry.getDevice(deviceId)!),
        });
        return true;
      });
      if (!rotated) throw notFound('device');
      const closed = await control.disconnectDevice(deviceId, 'secret_rotated');
      req.log.info({ device: deviceId, actor: actorOf(req), closedConnections: closed }, 'device secret rotated');
      return { id: deviceId, secret };
    },
  );

  r.patch(
    '/api/v1/devices/:deviceId',
    {
      config: { access: ['admin'], tenant: { kind: 'device', param: 'deviceId' } },
      schema: { operationId: 'patchDevicesByDeviceid', tags: ['registry'], summary: 'Enable or disable a device; disabling closes its live connection', params: DeviceParams, body: DevicePatchBody, response: { 200: DeviceBody, ...registryErrors } },
    },
    async (req) => {
      const { deviceId } = req.params;
      const updated = deps.changes.run(() => {
        const before = registry.getDevice(deviceId);
        if (!before || !registry.setDeviceEnabled(deviceId, req.body.enabled)) return false;
        deps.changes.record({
          actor: auditActorOf(req), action: req.body.enabled ? 'device.enable' : 'device.disable', objectType: 'device', objectId: deviceId,
          communityId: before.communityId, before: deviceAuditShape(before), after: deviceAuditShape(registry.getDevice(deviceId)!),
        });
        return true;
      });
      if (!updated) throw notFound('device');
      const closed = req.body.enabled ? 0 : await control.disconnectDevice(deviceId, 'disabled');
      req.log.info({ device: deviceId, enabled: req.body.enabled, actor: actorOf(req), closedConnections: closed }, 'device updated');
      return (await devicesToBodies([registry.getDevice(deviceId)!], control))[0]!;
    },
  );
}
