/**
 * Prometheus metrics. One Registry per service instance (not the global one),
 * so tests can run several instances in one process without clashing.
 * Components register their own metrics on the registry they are given.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { registerHeapMetrics } from './heap.js';

export { Registry };

export function createMetrics(withDefaults = true) {
  const registry = new Registry();
  if (withDefaults) {
    collectDefaultMetrics({ register: registry, prefix: 'gatewatch_' });
    registerHeapMetrics(registry, 'main');
  }
  const messagesIn = new Counter({
    name: 'gatewatch_messages_in_total',
    help: 'MQTT messages received on telemetry topics, by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const messagesRejected = new Counter({
    name: 'gatewatch_messages_rejected_total',
    help: 'Messages dead-lettered or ignored, by reason code',
    labelNames: ['code'],
    registers: [registry],
  });
  const readingsAccepted = new Counter({
    name: 'gatewatch_readings_accepted_total',
    help: 'Readings accepted into the journal, by kind',
    labelNames: ['kind'],
    registers: [registry],
  });
  const alarmsRaised = new Counter({
    name: 'gatewatch_alarms_raised_total',
    help: 'Alarm outcomes from the rules, by rule and whether they opened a new alarm',
    labelNames: ['rule', 'new'],
    registers: [registry],
  });
  const ruleExceptions = new Counter({
    name: 'gatewatch_rule_exceptions_total',
    help: 'Readings a rule threw on, by kind: kept in the journal and flagged for re-evaluation',
    labelNames: ['kind'],
    registers: [registry],
  });
  const processorFailures = new Counter({
    name: 'gatewatch_processor_failures_total',
    help: 'Steps of a processor over the journal that failed (nothing of them committed; retried from the checkpoint)',
    labelNames: ['processor'],
    registers: [registry],
  });
  const periodicWork = new Histogram({
    name: 'gatewatch_periodic_work_seconds',
    help: 'How long one step of periodic ingest work (tick, facts, retention) held the ingest thread',
    labelNames: ['task'],
    buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const alarmsOpen = new Gauge({
    name: 'gatewatch_alarms_open',
    help: 'Alarms currently open or acknowledged (not resolved)',
    registers: [registry],
  });
  const ingestLatency = new Histogram({
    name: 'gatewatch_ingest_latency_seconds',
    help: 'Time from receipt by the broker to the rules decision being stored',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const commitBatchSize = new Histogram({
    name: 'gatewatch_inbox_commit_batch_size',
    help: 'Messages per ingest transaction (group commit before the PUBACK)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    registers: [registry],
  });
  // Pages in each SQLite file's WAL after the checkpointer's last pass (store/checkpointer.ts): 0 or near it
  // when checkpoints keep up; a WAL that only grows has a reader holding it.
  const walPages = new Gauge({
    name: 'gatewatch_sqlite_wal_pages',
    help: "Pages in the SQLite file's write-ahead log after the last checkpoint pass",
    labelNames: ['file'] as const,
    registers: [registry],
  });
  return { registry, messagesIn, messagesRejected, readingsAccepted, alarmsRaised, ruleExceptions, processorFailures, periodicWork, alarmsOpen, ingestLatency, commitBatchSize, walPages };
}

export type Metrics = ReturnType<typeof createMetrics>;
