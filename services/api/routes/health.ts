/** Liveness, readiness and Prometheus metrics. */
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

/** A check: true when that dependency is usable; or not ready with the reason (e.g. the storage's SQLITE_FULL). */
export type ReadinessCheck = boolean | { ready: boolean; reason?: string };

export interface HealthDeps {
  registry: Registry;
  readiness: () => Record<string, ReadinessCheck>;
  metricsPublic: boolean;
  /** This thread's registry merged with others' (the partitions'), in place of `registry.metrics()`. */
  metricsText?: () => Promise<string>;
  /** More Prometheus text for the same scrape (the broker thread's registry). */
  extraMetrics?: () => Promise<string>;
}

export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    const checks: Record<string, boolean> = {};
    const reasons: Record<string, string> = {};
    for (const [name, check] of Object.entries(deps.readiness())) {
      checks[name] = typeof check === 'boolean' ? check : check.ready;
      if (typeof check !== 'boolean' && check.reason !== undefined) reasons[name] = check.reason;
    }
    const ready = Object.values(checks).every(Boolean);
    const body = { status: ready ? 'ready' : 'not_ready', checks, ...(Object.keys(reasons).length ? { reasons } : {}) };
    return reply.code(ready ? 200 : 503).send(body);
  });
  // Counters of the whole service, without community labels: nothing tenant-bound.
  app.get('/metrics', { config: { access: deps.metricsPublic ? 'public' : ['admin', 'operator'], tenant: { kind: 'county' } }, schema: { hide: true } }, async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    const own = deps.metricsText ? await deps.metricsText() : await deps.registry.metrics();
    // The broker thread keeps its own registry (gatewatch_mqtt_*); one scrape shows both.
    return deps.extraMetrics ? `${own}\n${await deps.extraMetrics()}` : own;
  });
}
