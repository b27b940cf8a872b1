/**
 * Builds the HTTP API as a fastify instance (no listening here; see main.ts).
 * Tests use app.inject(). Every route is an encapsulated plugin given its deps.
 * Each request passes, in order: authentication (auth.ts: 401), validation
 * (400), tenancy (tenancy.ts: 404 for what is not the caller's), the role
 * (auth.ts: 403), the handler.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySseModule, { type SSEPluginOptions } from '@fastify/sse';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import type { Journal } from '../store/journal.js';
import type { TokensRepo } from '../store/tokens-repo.js';
import type { EventBus, InCommit } from '../events.js';
import { installAuth, installRoleCheck } from './auth.js';
import type { ScopeStore } from '../store/scope-repo.js';
import { installTenancy, type Tenant } from './tenancy.js';
import { createChanges } from './changes.js';
import { applyAlarmAction, type AlarmActionRequest, type AlarmActionResult } from '../alarms/actions.js';
import { sessionRoutes } from './routes/session.js';
import { accountRoutes } from './routes/accounts.js';
import { auditRoutes } from './routes/audit.js';
import type { Db } from '../store/db.js';
import type { AccountsRepo } from '../store/accounts-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { createSessions, type SessionPolicy } from '../auth/sessions.js';
import { createAccountAdmin } from '../auth/admin.js';
import { installErrorHandler } from './errors.js';
import { healthRoutes, type ReadinessCheck } from './routes/health.js';
import { alarmRoutes } from './routes/alarms.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { communityRoutes } from './routes/communities.js';
import { deviceRoutes, type DeviceControl } from './routes/devices.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import { checklistRoutes } from './routes/checklist.js';
import { inspectionRoutes } from './routes/inspections.js';
import { webRoutes } from './routes/web.js';
import { factsRoutes } from './routes/facts.js';
import { backfillRoutes, type BackfillControl } from './routes/backfill.js';
import { eventRoutes } from './routes/events.js';
import { rabbitmqAuthRoutes } from './routes/rabbitmq-auth.js';
import type { ServiceAccount } from '../config/service-config.js';
import { createLiveFeed } from './live.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { InspectionsService } from '../inspections/service.js';

// The package's CommonJS export is the fastify-plugin-wrapped plugin (its hooks reach every route);
// its types describe it as an ES default export, which NodeNext reads as the whole module.
const fastifySse = fastifySseModule as unknown as FastifyPluginAsync<SSEPluginOptions>;

export interface ApiDeps {
  logger: Logger;
  registry: Registry;
  alarms: AlarmsRepo;
  journal: Journal;
  tokens: TokensRepo;
  /** After a commit: alarm and presence events for the live feed. */
  bus: EventBus;
  /** Inside a change's transaction: alarm actions ('alarm.changed') and signatures ('inspection.signed', via the inspections service). */
  inCommit: InCommit;
  readiness: () => Record<string, ReadinessCheck>;
  metricsPublic: boolean;
  /** More Prometheus text for /metrics (the broker thread's registry). */
  extraMetrics?: () => Promise<string>;
  /** With partitions: this thread's metrics merged with the partitions' (in place of `registry`'s). */
  metricsText?: () => Promise<string>;
  /** The registry of communities and devices (`registry` is the metrics registry). */
  registryRepo: RegistryRepo;
  /**
   * With partitions: alarm actions run in the owning partition's thread (services/partitions/), and the audit
   * log is read across partitions (`auditReads`, the union); without, both are done here over `db`.
   */
  alarmActions?: (r: AlarmActionRequest) => Promise<AlarmActionResult>;
  auditReads?: AuditRepo;
  /** Imports and re-admissions, from ingest. */
  backfill: BackfillControl;
  /** Device presence and disconnects, from the broker. */
  deviceControl: DeviceControl;
  inspections: InspectionsService;
  facts: FactsRepo;
  accounts: AccountsRepo;
  audit: AuditRepo;
  /** Which community and company an addressed object belongs to (tenancy.ts). */
  scope: ScopeStore;
  /** The system of record: accounts, sessions, audit log, tenancy lookups. */
  db: Db;
  /** Session cookie and sign-in policy (defaults: services/auth/sessions.ts). */
  auth?: { cookieSecure?: boolean; policy?: Partial<SessionPolicy>; trustProxy?: boolean };
  now?: () => number;
  /** With GW_RABBITMQ_AUTH=on: RabbitMQ's HTTP auth backend (routes/rabbitmq-auth.ts) for these service accounts. */
  rabbitmqAuth?: { serviceAccounts: readonly ServiceAccount[] };
  /** Limits of the live event streams (routes/events.ts); defaults there. */
  live?: { maxAgeMs?: number; maxQueued?: number };
}

/** Every route as registered (method, path, access, tenancy): the access-matrix test walks it. */
export interface RouteEntry {
  method: string;
  url: string;
  access: unknown;
  tenant: Tenant | undefined;
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
  }
}

/** How long a stop lets requests in progress finish before it closes every connection left. */
export const CLOSE_GRACE_MS = 1000;

/**
 * At a stop, idle keep-alive connections close at once, and after CLOSE_GRACE_MS every connection left: a socket
 * that never sent a request (a browser's preconnect, a half-open client) is not "idle" to Node and held
 * server.close() until headersTimeout (60 s), which made SIGTERM take a minute.
 */
function closeConnectionsSoon(app: FastifyInstance): void {
  const server = app.server;
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
  timer.unref();
  server.once('close', () => clearTimeout(timer));
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Behind a reverse proxy, the client address (per-address sign-in lock-out) comes from X-Forwarded-For.
    trustProxy: deps.auth?.trustProxy ?? false,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  const now = deps.now ?? Date.now;
  const { accounts, audit, scope } = deps;
  const changes = createChanges(deps.db, audit, now);
  const sessions = createSessions({ accounts, policy: deps.auth?.policy, now });
  // Ended sessions and stale failure counters would otherwise pile up forever.
  const pruneSessions = setInterval(() => sessions.prune(), 3_600_000);
  pruneSessions.unref();
  app.addHook('onClose', async () => clearInterval(pruneSessions));
  const cookie = { secure: deps.auth?.cookieSecure ?? false };
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      routeTable.push({ method, url: route.url, access: route.config?.access, tenant: route.config?.tenant, hidden: route.schema?.hide === true });
    }
  });
  installAuth(app, { tokens: deps.tokens, sessions, cookie });
  installTenancy(app, scope);
  installRoleCheck(app);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'gatewatch API', version: '1.0.0', description: 'Epidemic-prevention telemetry for residential communities' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API token (machines)' },
          session: { type: 'apiKey', in: 'cookie', name: 'gw_session', description: 'Session cookie from POST /api/v1/session (people); __Host-gw_session with GW_COOKIE_SECURE=true. Changes also need the x-gatewatch-csrf: 1 header' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(healthRoutes, { registry: deps.registry, readiness: deps.readiness, metricsPublic: deps.metricsPublic, extraMetrics: deps.extraMetrics, metricsText: deps.metricsText });
  await app.register(sessionRoutes, { sessions, cookie, now });
  await app.register(accountRoutes, { admin: createAccountAdmin({ db: deps.db, accounts, tokens: deps.tokens, audit, now }), accounts, tokens: deps.tokens });
  await app.register(auditRoutes, { audit: deps.auditReads ?? audit });
  const act = deps.alarmActions ?? ((r: AlarmActionRequest) => applyAlarmAction({ db: deps.db, alarms: deps.alarms, audit, inCommit: deps.inCommit, now }, r));
  await app.register(alarmRoutes, { alarms: deps.alarms, bus: deps.bus, act, scope });
  // Heartbeats every 15 s keep idle streams open through proxies (and tell a dead client apart).
  await app.register(fastifySse, { heartbeatInterval: 15_000 });
  const feed = createLiveFeed(deps.bus);
  // Open streams would hold app.close() open; end them first (the browsers reconnect).
  app.addHook('preClose', async () => feed.close());
  app.addHook('preClose', async () => closeConnectionsSoon(app));
  await app.register(eventRoutes, { feed, scope, ...deps.live });
  await app.register(deadLetterRoutes, { journal: deps.journal, scope });
  await app.register(backfillRoutes, { backfill: deps.backfill });
  await app.register(communityRoutes, { registry: deps.registryRepo, control: deps.deviceControl, now, scope, changes });
  await app.register(deviceRoutes, { registry: deps.registryRepo, control: deps.deviceControl, scope, changes });
  await app.register(checklistRoutes, { inspections: deps.inspections, scope });
  await app.register(factsRoutes, { facts: deps.facts, registry: deps.registryRepo });
  await app.register(inspectionRoutes, { inspections: deps.inspections, scope });
  await app.register(webRoutes);
  if (deps.rabbitmqAuth) await app.register(rabbitmqAuthRoutes, { registry: deps.registryRepo, serviceAccounts: deps.rabbitmqAuth.serviceAccounts, logger: deps.logger.child({ component: 'rabbitmq-auth' }) });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
