/**
 * A small local HTTP receiver on 127.0.0.1 that answers the few Grafana HTTP
 * API calls `influx-tenants` makes (organisations by name, data source by
 * uid, folders, dashboards) the way Grafana 12 does, keeps what it was given,
 * and records every request for exact assertions. No Grafana runs here.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GrafanaRequest {
  method: string;
  path: string;
  /** X-Grafana-Org-Id, when sent. */
  org: string | null;
  authorization: string | null;
  body: unknown;
}

export interface FakeGrafana {
  url: string;
  requests: GrafanaRequest[];
  orgs: Map<string, number>;
  /** Per organisation id: data sources by uid, folder uids, dashboards by uid. */
  datasources: Map<number, Map<string, Record<string, unknown>>>;
  folders: Map<number, Set<string>>;
  dashboards: Map<number, Map<string, { folderUid: string; dashboard: Record<string, unknown> }>>;
  close(): Promise<void>;
}

export async function startFakeGrafana(): Promise<FakeGrafana> {
  const requests: GrafanaRequest[] = [];
  const orgs = new Map<string, number>([['Main Org.', 1]]);
  const datasources = new Map<number, Map<string, Record<string, unknown>>>();
  const folders = new Map<number, Set<string>>();
  const dashboards = new Map<number, Map<string, { folderUid: string; dashboard: Record<string, unknown> }>>();
  const inOrg = <T>(m: Map<number, T>, org: number, make: () => T): T => {
    if (!m.has(org)) m.set(org, make());
    return m.get(org)!;
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      const path = req.url ?? '';
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
      const orgHeader = req.headers['x-grafana-org-id'];
      requests.push({ method: req.method ?? '', path, org: typeof orgHeader === 'string' ? orgHeader : null, authorization: req.headers.authorization ?? null, body });
      const org = Number(orgHeader ?? 1);
      const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && (m = /^\/api\/orgs\/name\/(.+)$/.exec(path))) {
        const name = decodeURIComponent(m[1]!);
        const id = orgs.get(name);
        return id === undefined ? send(404, { message: 'Organization not found' }) : send(200, { id, name });
      }
      if (req.method === 'POST' && path === '/api/orgs') {
        const id = Math.max(...orgs.values()) + 1;
        orgs.set(String(body?.name), id);
        return send(200, { orgId: id, message: 'Organization created' });
      }
      if (req.method === 'GET' && (m = /^\/api\/datasources\/uid\/(.+)$/.exec(path))) {
        const ds = datasources.get(org)?.get(m[1]!);
        return ds ? send(200, ds) : send(404, { message: 'Data source not found' });
      }
      if ((req.method === 'POST' && path === '/api/datasources') || (req.method === 'PUT' && (m = /^\/api\/datasources\/uid\/(.+)$/.exec(path)))) {
        const uid = String(body?.uid);
        const all = inOrg(datasources, org, () => new Map());
        const before = all.get(uid);
        if (req.method === 'POST' && before) return send(409, { message: 'data source with the same uid already exists' });
        // Like Grafana: an update without secureJsonData keeps the secrets it has.
        all.set(uid, { ...body, secureJsonData: body?.secureJsonData ?? before?.secureJsonData });
        return send(200, { message: 'Datasource saved', datasource: { uid } });
      }
      if (req.method === 'GET' && (m = /^\/api\/folders\/(.+)$/.exec(path))) {
        return folders.get(org)?.has(m[1]!) ? send(200, { uid: m[1] }) : send(404, { message: 'folder not found' });
      }
      if (req.method === 'POST' && path === '/api/folders') {
        inOrg(folders, org, () => new Set()).add(String(body?.uid));
        return send(200, { uid: body?.uid, title: body?.title });
      }
      if (req.method === 'POST' && path === '/api/dashboards/db') {
        const dashboard = body?.dashboard as Record<string, unknown>;
        if (!folders.get(org)?.has(String(body?.folderUid))) return send(400, { message: 'folder not found' });
        inOrg(dashboards, org, () => new Map()).set(String(dashboard.uid), { folderUid: String(body?.folderUid), dashboard });
        return send(200, { status: 'success', uid: dashboard.uid });
      }
      send(404, { message: 'Not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests, orgs, datasources, folders, dashboards,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
