/**
 * Accounts and sign-in for the access tests: accounts created through the
 * admin service (as the CLI does), sign-in through the API, the cookie
 * carried by hand (app.inject has no cookie jar). Also an API built on an
 * in-memory database with a clock the test moves, for expiry and lock-out.
 */
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { buildApp } from '../../services/api/app.js';
import { createAccountAdmin } from '../../services/auth/admin.js';
import type { SessionPolicy } from '../../services/auth/sessions.js';
import { EventBus, InCommit } from '../../services/events.js';
import { createInspectionsService } from '../../services/inspections/service.js';
import { silentLogger } from '../../services/observability/logger.js';
import { createAccountsRepo } from '../../services/store/accounts-repo.js';
import { createAuditRepo } from '../../services/store/audit-repo.js';
import { openDatabase, type Db } from '../../services/store/db.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createRepositories } from '../../services/store/repositories.js';
import type { Role } from '../../services/domain/role.js';
import { createTokensRepo } from '../../services/store/tokens-repo.js';
import { TEST_REGISTRY } from '../support/service.js';

export const PASSWORD = 'correct horse battery';

export function accountAdmin(db: Db, now: () => number = Date.now) {
  return createAccountAdmin({ db, accounts: createAccountsRepo(db), tokens: createTokensRepo(db), audit: createAuditRepo(db), now });
}

export async function createAccount(db: Db, username: string, role: Role, company: string | null = null, displayName = username) {
  return accountAdmin(db).createAccount({ username, displayName, role, company, password: PASSWORD }, 'test:setup');
}

/** The same-origin headers the page sends with a change. */
export const SAME_ORIGIN = { 'x-gatewatch-csrf': '1', origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin', host: 'localhost:80' };

export async function login(app: FastifyInstance, username: string, password = PASSWORD, headers: Record<string, string> = SAME_ORIGIN) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/session', headers, payload: { username, password } });
  const setCookie = res.headers['set-cookie'];
  const cookie = typeof setCookie === 'string' ? setCookie.split(';')[0]! : undefined;
  return { res, cookie, json: res.json() as Record<string, unknown> };
}

export interface ClockApp {
  app: FastifyInstance;
  db: Db;
  clock: { now: number };
  close(): Promise<void>;
}

/** The real API (every route) over an in-memory database, with a movable clock. */
export async function buildClockApp(policy: Partial<SessionPolicy> = {}, cookieSecure = false): Promise<ClockApp> {
  const clock = { now: Date.parse('2021-02-03T08:00:00+08:00') };
  const now = () => clock.now;
  const db = openDatabase(':memory:');
  const repos = createRepositories(db);
  const registryRepo = repos.registry;
  await applyRegistry(TEST_REGISTRY, db, registryRepo, now());
  const app = await buildApp({
    logger: silentLogger(), registry: new Registry(), alarms: repos.alarms, journal: repos.journal, tokens: repos.tokens,
    bus: new EventBus(silentLogger()), inCommit: new InCommit(() => db.inTransaction), readiness: () => ({ database: true }), metricsPublic: true, registryRepo,
    deviceControl: { presenceOf: async (ids) => ids.map(() => ({ online: false, connectedAt: null, lastSeenAt: null })), disconnectDevice: async () => 0 },
    // No ingest behind this API: the backfill routes answer 500 here (the real service is test/ingest/backfill.test.ts).
    backfill: { importLines: async () => Promise.reject(new Error('no ingest in this test app')), readmit: async () => Promise.reject(new Error('no ingest in this test app')) },
    inspections: createInspectionsService({ db, now, audit: repos.audit, registry: registryRepo, inspections: repos.inspections, facts: repos.facts }),
    facts: repos.facts, accounts: repos.accounts, audit: repos.audit, scope: repos.scope, db,
    auth: { cookieSecure, policy }, now,
  });
  return {
    app, db, clock,
    async close() {
      await app.close();
      db.close();
    },
  };
}
