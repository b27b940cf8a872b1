/**
 * The access matrix: EVERY route of the app (enumerated from the app itself,
 * and checked against the OpenAPI document plus the undocumented ones) is
 * tried as anonymous, as an operator of company A (安居物业) on company B's
 * (宜家物业) objects, as that operator on its own, as an inspector and as an
 * admin, and answers exactly as listed. Another company's object is 404,
 * with the same body as an object that does not exist; lists hold only the
 * caller's communities. It runs twice: with API tokens and with sign-in
 * session cookies (plus the page's CSRF header).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlarmsRepo } from '../../services/store/alarms-repo.js';
import { createJournal } from '../../services/store/journal.js';
import { OTHER_COMMUNITY, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { DAY, goodDay, insertFacts } from '../checklist/fixtures.js';
import { createAccount, login, PASSWORD, SAME_ORIGIN } from './support.js';

const A = TEST_COMMUNITY; // 安居物业
const B = OTHER_COMMUNITY; // 宜家物业
const WHO = ['anonymous', 'opB', 'opA', 'inspector', 'admin'] as const;
type Who = (typeof WHO)[number];
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Req { method: Method; url: string; body?: unknown; headers?: Record<string, string> }
interface Res { status: number; json: any; body: string }
interface Case {
  /** The route as registered: "METHOD /path/:param". */
  route: string;
  /** The request for one caller; `c` is the community it targets (B, or A for opA). */
  req: (c: string, who: Who) => Promise<Req> | Req;
  expect: Record<Who, number>;
  check?: (who: Who, res: Res) => void;
}

let svc: TestService;
let seq = 0;
const uniq = (p: string) => `${p}-${++seq}`;
let readingA: number;
let readingB: number;

// Answers by role: r = readers (every role), w = admins only, i = inspectors and admins, o = operators and admins.
const PUBLIC = { anonymous: 200, opB: 200, opA: 200, inspector: 200, admin: 200 };
const READ_LIST = { anonymous: 401, opB: 200, opA: 200, inspector: 200, admin: 200 };
const READ_OBJECT = { anonymous: 401, opB: 404, opA: 200, inspector: 200, admin: 200 };
const ADMIN_COUNTY = { anonymous: 401, opB: 403, opA: 403, inspector: 403, admin: 200 };
const ADMIN_OBJECT = { anonymous: 401, opB: 404, opA: 403, inspector: 403, admin: 200 };

const admin = () => ({ token: svc.tokens.admin });
const raise = (c: string) =>
  createAlarmsRepo(svc.runtime.db).raise(
    { communityId: c, rule: 'fever', subject: `person:${uniq('p-matrix')}`, severity: 'critical', title: 'fever', details: {}, eventTime: Date.now(), readingIds: [] }, Date.now(),
  ).alarm.id;
async function draft(c: string): Promise<number> {
  const res = await svc.api('POST', '/api/v1/inspections', { ...admin(), body: { communityId: c, date: DAY } });
  expect(res.status).toBe(201);
  return res.json.id;
}
const MANUAL_ZERO = { '1.1': 0, '1.2': 0, '1.3': 0, '2.2': 0, '5.1': 0, '5.2': 0, '6.2': 0, '7.1': 0, '8.1': 0, '8.2': 0, '1.4': 1, '2.1': 0, '3.3': 0, '4.2': 0, '7.3': 0 };
async function complete(c: string): Promise<number> {
  const id = await draft(c);
  expect((await svc.api('PUT', `/api/v1/inspections/${id}`, { ...admin(), body: { manualScores: MANUAL_ZERO } })).json.complete).toBe(true);
  return id;
}
async function signedFail(c: string): Promise<number> {
  const id = await complete(c);
  expect((await svc.api('POST', `/api/v1/inspections/${id}/sign`, admin())).json.passed).toBe(false);
  return id;
}
const idsOf = (items: { communityId?: string; id?: string }[], key: 'communityId' | 'id' = 'communityId') => [...new Set(items.map((i) => i[key]))].sort();

const notFoundBody = (kind: string) => ({ statusCode: 404, code: 'NOT_FOUND', message: `${kind} not found` });
function onlyA(key: 'communityId' | 'id' = 'communityId', list = (json: any) => json.items) {
  return (who: Who, res: Res) => {
    if (res.status !== 200) return;
    const seen = idsOf(list(res.json), key);
    if (who === 'opA' || who === 'opB') expect(seen, `${who} sees only company A`).toEqual([A]);
    else expect(seen, `${who} sees the county`).toEqual(expect.arrayContaining([A, B]));
  };
}

const CASES: Case[] = [
  // Public: health, readiness, metrics, the OpenAPI document, the page and its files, signing in.
  { route: 'GET /healthz', req: () => ({ method: 'GET', url: '/healthz' }), expect: PUBLIC },
  { route: 'GET /readyz', req: () => ({ method: 'GET', url: '/readyz' }), expect: PUBLIC },
  { route: 'GET /metrics', req: () => ({ method: 'GET', url: '/metrics' }), expect: PUBLIC },
  { route: 'GET /openapi.json', req: () => ({ method: 'GET', url: '/openapi.json' }), expect: PUBLIC },
  { route: 'GET /', req: () => ({ method: 'GET', url: '/' }), expect: PUBLIC },
  { route: 'GET /static/*', req: () => ({ method: 'GET', url: '/static/app.js' }), expect: PUBLIC },
  { route: 'POST /api/v1/session', req: () => ({ method: 'POST', url: '/api/v1/session', body: { username: 'matrix-login', password: PASSWORD }, headers: { 'x-gatewatch-csrf': '1' } }), expect: PUBLIC },

  { route: 'DELETE /api/v1/session', req: () => ({ method: 'DELETE', url: '/api/v1/session' }), expect: { anonymous: 401, opB: 204, opA: 204, inspector: 204, admin: 204 } },
  { route: 'GET /api/v1/me', req: () => ({ method: 'GET', url: '/api/v1/me' }), expect: READ_LIST },
  { route: 'GET /api/v1/checklist', req: () => ({ method: 'GET', url: '/api/v1/checklist' }), expect: READ_LIST },

  // Accounts and tokens: admins only.
  { route: 'GET /api/v1/accounts', req: () => ({ method: 'GET', url: '/api/v1/accounts' }), expect: ADMIN_COUNTY },
  {
    route: 'POST /api/v1/accounts',
    req: () => ({ method: 'POST', url: '/api/v1/accounts', body: { username: uniq('acct'), displayName: '新账号', role: 'operator', company: '宜家物业', password: PASSWORD } }),
    expect: { ...ADMIN_COUNTY, admin: 201 },
  },
  {
    route: 'PATCH /api/v1/accounts/:id',
    req: async () => {
      const created = await svc.api('POST', '/api/v1/accounts', { ...admin(), body: { username: uniq('patch'), displayName: 'x', role: 'inspector', password: PASSWORD } });
      return { method: 'PATCH', url: `/api/v1/accounts/${created.json.id}`, body: { displayName: '改名' } };
    },
    expect: ADMIN_COUNTY,
  },
  { route: 'GET /api/v1/tokens', req: () => ({ method: 'GET', url: '/api/v1/tokens' }), expect: ADMIN_COUNTY },
  { route: 'POST /api/v1/tokens', req: () => ({ method: 'POST', url: '/api/v1/tokens', body: { name: uniq('machine'), role: 'inspector' } }), expect: { ...ADMIN_COUNTY, admin: 201 } },
  {
    route: 'DELETE /api/v1/tokens/:id',
    req: async () => {
      const created = await svc.api('POST', '/api/v1/tokens', { ...admin(), body: { name: uniq('revoke-me'), role: 'inspector' } });
      return { method: 'DELETE', url: `/api/v1/tokens/${created.json.id}` };
    },
    expect: ADMIN_COUNTY,
  },
  { route: 'GET /api/v1/audit', req: () => ({ method: 'GET', url: '/api/v1/audit' }), expect: { ...ADMIN_COUNTY, inspector: 200 } },

  // Registry.
  { route: 'GET /api/v1/communities', req: () => ({ method: 'GET', url: '/api/v1/communities' }), expect: READ_LIST, check: onlyA('id') },
  { route: 'GET /api/v1/communities/:communityId', req: (c) => ({ method: 'GET', url: `/api/v1/communities/${c}` }), expect: READ_OBJECT },
  {
    route: 'PUT /api/v1/communities/:communityId',
    req: () => ({ method: 'PUT', url: `/api/v1/communities/${uniq('hc-new')}`, body: { name: '新小区', propertyCompany: '宜家物业' } }),
    // An upsert that may create: not scoped by an existing community, so the role answers.
    expect: ADMIN_COUNTY,
  },
  {
    route: 'POST /api/v1/communities/:communityId/devices',
    req: (c) => ({ method: 'POST', url: `/api/v1/communities/${c}/devices`, body: { id: uniq('sprayer-m'), kind: 'sprayer', location: '' } }),
    expect: { ...ADMIN_OBJECT, admin: 201 },
  },
  { route: 'GET /api/v1/devices', req: () => ({ method: 'GET', url: '/api/v1/devices' }), expect: READ_LIST, check: onlyA() },
  { route: 'POST /api/v1/devices/:deviceId/rotate-secret', req: (c) => ({ method: 'POST', url: `/api/v1/devices/${c === A ? 'speaker-1' : 'therm-b1'}/rotate-secret` }), expect: ADMIN_OBJECT },
  { route: 'PATCH /api/v1/devices/:deviceId', req: (c) => ({ method: 'PATCH', url: `/api/v1/devices/${c === A ? 'speaker-1' : 'therm-b1'}`, body: { enabled: true } }), expect: ADMIN_OBJECT },

  // Alarms and dead letters.
  { route: 'GET /api/v1/alarms', req: () => ({ method: 'GET', url: '/api/v1/alarms' }), expect: READ_LIST, check: onlyA() },
  // The live stream (text/event-stream): through inject, a client that does not accept it, so the answer ends.
  // What each caller receives on a real stream is test/console/live-events.test.ts.
  {
    route: 'GET /api/v1/events',
    req: (c) => ({ method: 'GET', url: `/api/v1/events?communityId=${c}`, headers: { accept: 'application/json' } }),
    expect: { anonymous: 401, opB: 406, opA: 406, inspector: 406, admin: 406 },
  },
  // Backfill: admins only (their reports are test/ingest/backfill.test.ts).
  {
    route: 'POST /api/v1/readings/import',
    req: () => ({ method: 'POST', url: '/api/v1/readings/import?source=matrix', body: 'a torn line, reported and not kept\n', headers: { 'content-type': 'application/x-ndjson' } }),
    expect: ADMIN_COUNTY,
  },
  { route: 'POST /api/v1/dead-letters/readmit', req: () => ({ method: 'POST', url: '/api/v1/dead-letters/readmit', body: { ids: [999999] } }), expect: ADMIN_COUNTY },
  // Re-evaluation of readings a rule threw on (test/ingest/rules-exception.test.ts): admins only.
  { route: 'POST /api/v1/readings/reevaluate', req: () => ({ method: 'POST', url: '/api/v1/readings/reevaluate' }), expect: ADMIN_COUNTY },
  { route: 'GET /api/v1/alarms/:id', req: (c) => ({ method: 'GET', url: `/api/v1/alarms/${raise(c)}` }), expect: READ_OBJECT },
  ...(['acknowledge', 'resolve'] as const).map(
    (action): Case => ({
      route: `POST /api/v1/alarms/:id/${action}`,
      req: (c) => ({ method: 'POST', url: `/api/v1/alarms/${raise(c)}/${action}`, body: { note: 'matrix' } }),
      expect: { anonymous: 401, opB: 404, opA: 200, inspector: 403, admin: 200 },
    }),
  ),
  {
    route: 'GET /api/v1/dead-letters',
    req: () => ({ method: 'GET', url: '/api/v1/dead-letters' }),
    expect: { anonymous: 401, opB: 200, opA: 200, inspector: 403, admin: 200 },
    check: (who, res) => {
      const topics = res.json.items.map((d: { topic: string }) => d.topic).sort();
      if (who === 'admin') expect(topics).toEqual(['garbage/topic', `gatewatch/v1/${A}/therm-g1/temperature`, `gatewatch/v1/${B}/therm-b1/temperature`]);
      else expect(topics).toEqual([`gatewatch/v1/${A}/therm-g1/temperature`]);
    },
  },

  // Facts, scores, overview, evidence readings.
  { route: 'GET /api/v1/communities/:id/facts', req: (c) => ({ method: 'GET', url: `/api/v1/communities/${c}/facts?from=${DAY}` }), expect: READ_OBJECT },
  { route: 'GET /api/v1/communities/:id/scores', req: (c) => ({ method: 'GET', url: `/api/v1/communities/${c}/scores?from=${DAY}` }), expect: READ_OBJECT },
  { route: 'GET /api/v1/overview', req: () => ({ method: 'GET', url: '/api/v1/overview' }), expect: READ_LIST, check: onlyA('id', (j) => j.communities) },
  {
    route: 'GET /api/v1/readings',
    req: () => ({ method: 'GET', url: `/api/v1/readings?ids=${readingA},${readingB}` }),
    expect: READ_LIST,
    check: onlyA(),
  },

  // Inspections.
  { route: 'GET /api/v1/inspections', req: () => ({ method: 'GET', url: '/api/v1/inspections' }), expect: READ_LIST, check: onlyA() },
  {
    route: 'POST /api/v1/inspections',
    req: (c) => ({ method: 'POST', url: '/api/v1/inspections', body: { communityId: c, date: DAY } }),
    expect: { anonymous: 401, opB: 404, opA: 403, inspector: 201, admin: 201 },
  },
  { route: 'GET /api/v1/inspections/:id', req: async (c) => ({ method: 'GET', url: `/api/v1/inspections/${await draft(c)}` }), expect: READ_OBJECT },
  {
    route: 'PUT /api/v1/inspections/:id',
    req: async (c) => ({ method: 'PUT', url: `/api/v1/inspections/${await draft(c)}`, body: { manualScores: { '1.1': 3 } } }),
    expect: { anonymous: 401, opB: 404, opA: 403, inspector: 200, admin: 200 },
  },
  {
    route: 'POST /api/v1/inspections/:id/sign',
    req: async (c) => ({ method: 'POST', url: `/api/v1/inspections/${await complete(c)}/sign` }),
    expect: { anonymous: 401, opB: 404, opA: 403, inspector: 200, admin: 200 },
  },
  {
    route: 'POST /api/v1/inspections/:id/reinspection',
    req: async (c) => ({ method: 'POST', url: `/api/v1/inspections/${await signedFail(c)}/reinspection`, body: { date: '2021-02-10' } }),
    expect: { anonymous: 401, opB: 404, opA: 403, inspector: 201, admin: 201 },
  },
  { route: 'GET /api/v1/inspections/:id/export.csv', req: async (c) => ({ method: 'GET', url: `/api/v1/inspections/${await draft(c)}/export.csv` }), expect: READ_OBJECT },
];

/** Which kind of object an object route addresses, from the route table (for the 404 body). */
const kindOf = (route: string) => svc.runtime.http.routeTable.find((r) => `${r.method} ${r.url}` === route)?.tenant?.kind;

type Caller = (req: Req) => Promise<Res>;

beforeAll(async () => {
  svc = await startTestService();
  const db = svc.runtime.db;
  insertFacts(db, DAY, goodDay(DAY), Date.now());
  insertFacts(db, DAY, goodDay(DAY, B), Date.now(), B);
  const journal = createJournal(db);
  const reading = (communityId: string, deviceId: string) =>
    journal.appendReading({ communityId, deviceId, kind: 'heartbeat', seq: ++seq, eventTime: Date.now(), receivedAt: Date.now(), payload: { seq } })!;
  readingA = reading(A, 'therm-g1');
  readingB = reading(B, 'therm-b1');
  for (const topic of [`gatewatch/v1/${A}/therm-g1/temperature`, `gatewatch/v1/${B}/therm-b1/temperature`, 'garbage/topic']) {
    journal.deadLetter({ receivedAt: Date.now(), clientId: 'x', topic, payload: Buffer.from('{'), code: 'PAYLOAD_NOT_JSON', reason: 'not JSON' });
  }
  await createAccount(db, 'matrix-login', 'inspector');
  // One object of each kind in both companies, so lists have something to leave out.
  raise(A);
  raise(B);
  await draft(A);
  await draft(B);
});
afterAll(async () => svc?.stop());

function tokenCaller(token: string | null): Caller {
  return async (req) => {
    const res = await svc.runtime.http.inject({
      method: req.method, url: req.url, headers: { ...req.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, ...(req.body !== undefined ? { payload: req.body as object } : {}),
    });
    return { status: res.statusCode, body: res.body, json: res.headers['content-type']?.toString().includes('json') ? res.json() : undefined };
  };
}

function cookieCaller(cookie: string | undefined): Caller {
  return async (req) => {
    const res = await svc.runtime.http.inject({
      method: req.method, url: req.url, headers: { ...SAME_ORIGIN, ...req.headers, ...(cookie ? { cookie } : {}) }, ...(req.body !== undefined ? { payload: req.body as object } : {}),
    });
    return { status: res.statusCode, body: res.body, json: res.headers['content-type']?.toString().includes('json') ? res.json() : undefined };
  };
}

async function runMatrix(callers: Record<Who, () => Promise<Caller>>): Promise<void> {
  const failures: string[] = [];
  for (const c of CASES) {
    for (const who of WHO) {
      const target = who === 'opA' ? A : B;
      const req = await c.req(target, who);
      const res = await (await callers[who]())(req);
      const expected = c.expect[who];
      if (res.status !== expected) {
        failures.push(`${c.route} as ${who}: ${res.status} (expected ${expected}) ${res.body.slice(0, 160)}`);
        continue;
      }
      if (res.status === 401) expect(res.json.code, `${c.route} as ${who}`).toBe('UNAUTHENTICATED');
      if (res.status === 403) expect(res.json, `${c.route} as ${who}`).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', message: expect.stringMatching(/^role (operator|inspector) may not do this$/) });
      if (res.status === 404) expect(res.json, `${c.route} as ${who}`).toEqual(notFoundBody(kindOf(c.route)!));
      if (res.status === 200) c.check?.(who, res);
    }
  }
  expect(failures).toEqual([]);
}

describe('access matrix', () => {
  it('lists every route of the app: the OpenAPI document plus the undocumented ones, each with its case', async () => {
    const table = svc.runtime.http.routeTable;
    const routes = table.map((r) => `${r.method} ${r.url}`).sort();
    expect(routes).toEqual(CASES.map((c) => c.route).sort());
    const doc = (await svc.api('GET', '/openapi.json', { token: null })).json as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .sort();
    const hidden = table.filter((r) => r.hidden).map((r) => `${r.method} ${r.url}`).sort();
    expect(hidden).toEqual(['GET /', 'GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /readyz', 'GET /static/*']);
    expect([...documented, ...hidden].sort()).toEqual(routes);
  });

  it('answers exactly as listed, with API tokens', async () => {
    await runMatrix({
      anonymous: async () => tokenCaller(null),
      opB: async () => tokenCaller(svc.tokens.operator),
      opA: async () => tokenCaller(svc.tokens.operator),
      inspector: async () => tokenCaller(svc.tokens.inspector),
      admin: async () => tokenCaller(svc.tokens.admin),
    });
  });

  it('answers exactly the same with sign-in sessions', async () => {
    const db = svc.runtime.db;
    await createAccount(db, 'matrix-op', 'operator', '安居物业');
    await createAccount(db, 'matrix-inspector', 'inspector');
    await createAccount(db, 'matrix-admin', 'admin');
    // Fresh sessions per call: DELETE /api/v1/session ends the caller's session.
    const session = (username: string) => async () => cookieCaller((await login(svc.runtime.http, username)).cookie);
    await runMatrix({
      anonymous: async () => cookieCaller(undefined),
      opB: session('matrix-op'),
      opA: session('matrix-op'),
      inspector: session('matrix-inspector'),
      admin: session('matrix-admin'),
    });
    // One sign-in (scrypt) per call of 44 routes × 5 callers: slow on a shared 2-core machine, not stuck.
  }, 120_000);

  it("answers another company's object exactly like one that does not exist", async () => {
    const op = tokenCaller(svc.tokens.operator);
    const pairs: [string, string][] = [
      [`/api/v1/communities/${B}`, '/api/v1/communities/hc-nowhere'],
      [`/api/v1/communities/${B}/scores?from=${DAY}`, '/api/v1/communities/hc-nowhere/scores?from=2021-02-03'],
      [`/api/v1/communities/${B}/facts?from=${DAY}`, '/api/v1/communities/hc-nowhere/facts?from=2021-02-03'],
      [`/api/v1/alarms/${raise(B)}`, '/api/v1/alarms/999999'],
      [`/api/v1/inspections/${await draft(B)}`, '/api/v1/inspections/999999'],
    ];
    for (const [theirs, absent] of pairs) {
      const [a, b] = [await op({ method: 'GET', url: theirs }), await op({ method: 'GET', url: absent })];
      expect([a.status, a.body], theirs).toEqual([b.status, b.body]);
    }
    // Filters naming another company's community answer an empty list, as an unknown one does.
    for (const url of [`/api/v1/alarms?communityId=${B}`, `/api/v1/devices?communityId=${B}`, `/api/v1/inspections?communityId=${B}`]) {
      expect((await op({ method: 'GET', url })).json, url).toEqual({ items: [] });
    }
  });
});
