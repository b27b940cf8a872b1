/**
 * Builds the HTTP API as a fastify instance (no listening here; see main.ts).
 * Tests use app.inject(). Every route is an encapsulated plugin given its deps.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import type { Journal } from '../store/journal.js';
import type { TokensRepo } from '../store/tokens-repo.js';
import type { EventBus } from '../events.js';
import { installAuth } from './auth.js';
import { installErrorHandler } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { alarmRoutes } from './routes/alarms.js';
import { deadLetterRoutes } from './routes/dead-letters.js';
import { communityRoutes } from './routes/communities.js';
import { deviceRoutes, type DeviceControl } from './routes/devices.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import { checklistRoutes } from './routes/checklist.js';
import { inspectionRoutes } from './routes/inspections.js';
import { webRoutes } from './routes/web.js';
import { factsRoutes } from './routes/facts.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { InspectionsService } from '../inspections/service.js';

export interface ApiDeps {
  logger: Logger;
  registry: Registry;
  alarms: AlarmsRepo;
  journal: Journal;
  tokens: TokensRepo;
  bus: EventBus;
  readiness: () => Record<string, boolean>;
  metricsPublic: boolean;
  /** The registry of communities and devices (`registry` is the metrics registry). */
  registryRepo: RegistryRepo;
  /** Device presence and disconnects, from the broker. */
  deviceControl: DeviceControl;
  inspections: InspectionsService;
  facts: FactsRepo;
  now?: () => number;
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger.child({ component: 'http' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installAuth(app, deps.tokens);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'gatewatch API', version: '1.0.0', description: 'Epidemic-prevention telemetry for residential communities' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  const now = deps.now ?? Date.now;
  await app.register(healthRoutes, { registry: deps.registry, readiness: deps.readiness, metricsPublic: deps.metricsPublic });
  await app.register(alarmRoutes, { alarms: deps.alarms, bus: deps.bus, now });
  await app.register(deadLetterRoutes, { journal: deps.journal });
  await app.register(communityRoutes, { registry: deps.registryRepo, control: deps.deviceControl, now });
  await app.register(deviceRoutes, { registry: deps.registryRepo, control: deps.deviceControl });
  await app.register(checklistRoutes, { inspections: deps.inspections });
  await app.register(factsRoutes, { facts: deps.facts, registry: deps.registryRepo });
  await app.register(inspectionRoutes, { inspections: deps.inspections });
  await app.register(webRoutes);
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());
  return app;
}
