/**
 * The HTTP provisioner speaks the registry API contract (devices-sim/README.md):
 * checked against a small real HTTP server on loopback that implements it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryFile } from '../../schemas/src/registry.js';
import { buildCommunity } from '../../devices-sim/community.js';
import { ProvisionError, createHttpProvisioner, createRegistryFileProvisioner, readCredentials, secretsOf } from '../../devices-sim/provision.js';

const TOKEN = 'gw_test_admin_token_0123456789abcdef';
const calls: string[] = [];
const devices = new Map<string, string>();
const communities = new Map<string, unknown>();
let server: Server;
let api: string;

const body = async (req: IncomingMessage): Promise<any> => {
  let s = '';
  for await (const chunk of req) s += chunk;
  return s ? JSON.parse(s) : undefined;
};

beforeAll(async () => {
  let n = 0;
  server = createServer(async (req, res) => {
    const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    calls.push(`${req.method} ${req.url}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { code: 'UNAUTHENTICATED' });
    const b = await body(req);
    let m = /^\/api\/v1\/communities\/([^/]+)$/.exec(req.url ?? '');
    if (req.method === 'PUT' && m) {
      communities.set(m[1]!, b);
      return send(200, { id: m[1], ...b });
    }
    m = /^\/api\/v1\/communities\/([^/]+)\/devices$/.exec(req.url ?? '');
    if (req.method === 'POST' && m) {
      if (!communities.has(m[1]!)) return send(404, { code: 'NOT_FOUND' });
      if (devices.has(b.id)) return send(409, { code: 'DEVICE_EXISTS' });
      const secret = `secret-${b.id}-${++n}`;
      devices.set(b.id, secret);
      return send(201, { ...b, communityId: m[1], enabled: true, secret });
    }
    m = /^\/api\/v1\/devices\/([^/]+)\/rotate-secret$/.exec(req.url ?? '');
    if (req.method === 'POST' && m && devices.has(m[1]!)) {
      const secret = `rotated-${m[1]}-${++n}`;
      devices.set(m[1]!, secret);
      return send(200, { id: m[1], secret });
    }
    return send(404, { code: 'NOT_FOUND' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => new Promise<void>((r) => server.close(() => r())));

describe('HTTP provisioning', () => {
  it('PUTs the community with gates, areas and staff, POSTs every device and keeps the secrets it returns', async () => {
    const c = buildCommunity(1);
    const spec = await createHttpProvisioner({ api, token: TOKEN }).provision(c);
    expect(communities.get(c.id)).toEqual({ name: c.name, propertyCompany: c.propertyCompany, timeZone: c.timeZone, gates: c.gates, areas: c.areas, staff: c.staff });
    expect(spec.devices).toHaveLength(19);
    for (const d of spec.devices) expect(d.secret).toBe(devices.get(d.id));
    expect(RegistryFile.safeParse({ communities: [spec] }).success).toBe(true);
  });

  it('a device that exists (409) gets its secret rotated', async () => {
    const c = buildCommunity(1);
    calls.length = 0;
    const spec = await createHttpProvisioner({ api: `${api}/`, token: TOKEN }).provision(c);
    expect(calls.filter((x) => x.includes('rotate-secret'))).toHaveLength(19);
    expect(spec.devices.every((d) => d.secret.startsWith('rotated-'))).toBe(true);
  });

  it('a refused token is an error naming the call and the status', async () => {
    const err = await createHttpProvisioner({ api, token: 'wrong' }).provision(buildCommunity(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProvisionError);
    expect((err as ProvisionError).status).toBe(401);
    expect((err as Error).message).toMatch(/PUT \/api\/v1\/communities\/sim-02: HTTP 401/);
  });
});

describe('offline provisioning', () => {
  it('writes a registry file with fresh secrets that play reads back as credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-registry-'));
    try {
      const p = createRegistryFileProvisioner();
      await p.provision(buildCommunity(1));
      await p.provision(buildCommunity(2));
      p.write(join(dir, 'r.json'));
      const file = readCredentials(join(dir, 'r.json'));
      expect(file.communities.map((c) => c.id)).toEqual(['sim-01', 'sim-02']);
      const secrets = secretsOf(file);
      expect(secrets.size).toBe(38);
      expect(new Set(secrets.values()).size).toBe(38);
      expect(JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')).communities[0].devices[0].secret.length).toBeGreaterThanOrEqual(12);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
