/** Liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface HealthDeps {
  registry: Registry;
  /** Each check answers true when that dependency is usable. */
  readiness: () => Record<string, boolean>;
  metricsPublic: boolean;
  /** More Prometheus text for the same scrape (the broker thread's registry). */
  extraMetrics?: () => Promise<string>;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    const checks = deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  // Counters of the whole service, without community labels: nothing tenant-bound.
  app.get('/metrics', { config: { access: deps.metricsPublic ? 'public' : ['admin', 'operator'], tenant: { kind: 'county' } }, schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    const own = await deps.registry.metrics();
    // The broker thread keeps its own registry (gatewatch_mqtt_*); one scrape shows both.
    return deps.extraMetrics ? `${own}\n${await deps.extraMetrics()}` : own;
  });
}
