/**
 * Provisioning: register communities and devices, get each device's MQTT
 * secret. Two implementations behind one interface:
 * - over the HTTP API with an admin token (what a real installer does);
 * - offline, into a registry JSON file the service loads at start
 *   (GW_REGISTRY_FILE), with secrets generated here.
 * Either way the result is a RegistryFile with secrets (schemas/src/registry.ts),
 * which `play` reads back as the devices' credentials.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { RegistryFile, type CommunitySpec } from '../schemas/src/registry.js';
import type { SimCommunity } from './community.js';

export interface Provisioner {
  /** Registers the community, its gates, areas, staff and devices; returns its spec with each device's secret. */
  provision(c: SimCommunity): Promise<CommunitySpec>;
}

export const newDeviceSecret = (): string => randomBytes(18).toString('base64url');

const specOf = (c: SimCommunity, secrets: Map<string, string>): CommunitySpec => ({
  id: c.id, name: c.name, propertyCompany: c.propertyCompany, timeZone: c.timeZone,
  gates: c.gates, areas: c.areas, staff: c.staff,
  devices: c.devices.map((d) => ({ ...d, secret: secrets.get(d.id)!, enabled: true })),
});

/** Offline: secrets generated here; write() the file and start the service with GW_REGISTRY_FILE pointing at it. */
export function createRegistryFileProvisioner(): Provisioner & { file(): RegistryFile; write(path: string): void } {
  const communities: CommunitySpec[] = [];
  return {
    async provision(c) {
      const spec = specOf(c, new Map(c.devices.map((d) => [d.id, newDeviceSecret()])));
      communities.push(spec);
      return spec;
    },
    file: () => ({ communities }),
    write(path) {
      writeFileSync(path, JSON.stringify({ communities }, null, 2) + '\n', { mode: 0o600 });
    },
  };
}

export class ProvisionError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Over the registry API (contract in devices-sim/README.md):
 * PUT /api/v1/communities/:id, POST /api/v1/communities/:id/devices (201 with
 * the secret; 409 when it exists, then POST /api/v1/devices/:id/rotate-secret).
 */
export function createHttpProvisioner(opts: { api: string; token: string; fetch?: typeof fetch }): Provisioner {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.api.replace(/\/+$/, '');
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${opts.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: res.status, json };
  }
  const fail = (what: string, r: { status: number; json: unknown }) =>
    new ProvisionError(`${what}: HTTP ${r.status} ${typeof r.json === 'string' ? r.json : JSON.stringify(r.json)}`, r.status);
  const secretOf = (json: unknown): string | undefined => (typeof json === 'object' && json !== null ? (json as { secret?: unknown }).secret : undefined) as string | undefined;

  return {
    async provision(c) {
      const community = await call('PUT', `/api/v1/communities/${encodeURIComponent(c.id)}`, {
        name: c.name, propertyCompany: c.propertyCompany, timeZone: c.timeZone, gates: c.gates, areas: c.areas, staff: c.staff,
      });
      if (community.status === 404) throw fail(`PUT /api/v1/communities/${c.id} (is the registry API deployed? use "sim registry" offline)`, community);
      if (community.status !== 200 && community.status !== 201) throw fail(`PUT /api/v1/communities/${c.id}`, community);
      const secrets = new Map<string, string>();
      for (const d of c.devices) {
        let r = await call('POST', `/api/v1/communities/${encodeURIComponent(c.id)}/devices`, { id: d.id, kind: d.kind, location: d.location });
        if (r.status === 409) r = await call('POST', `/api/v1/devices/${encodeURIComponent(d.id)}/rotate-secret`);
        const secret = secretOf(r.json);
        if ((r.status !== 200 && r.status !== 201) || typeof secret !== 'string') throw fail(`device ${d.id}`, r);
        secrets.set(d.id, secret);
      }
      return specOf(c, secrets);
    },
  };
}

/** Credentials written by `sim provision` / `sim registry`: a RegistryFile with secrets. */
export function readCredentials(path: string): RegistryFile {
  const parsed = RegistryFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a registry file with device secrets: ${parsed.error.message}`);
  return parsed.data;
}

export function writeCredentials(path: string, file: RegistryFile): void {
  writeFileSync(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
}

/** deviceId -> secret over a registry file. */
export const secretsOf = (file: RegistryFile): Map<string, string> =>
  new Map(file.communities.flatMap((c) => c.devices.map((d) => [d.id, d.secret] as const)));
