/**
 * The InfluxDB sink: a durable outbox in SQLite and a writer that drains it,
 * and the delivery of readings straight from the journal (`project`, for the
 * readings processor, readings.ts), with the same targets and backoff.
 *
 * - `enqueue` is a synchronous insert, meant to run inside the caller's
 *   transaction with the journal write.
 * - A background loop posts the oldest rows in batches of `batchSize`, every
 *   `flushMs` (sooner once a full batch is waiting), and deletes rows only
 *   after a 204. Network errors, timeouts, 5xx, 429, auth and missing-database
 *   answers leave the rows where they are and retry with exponential backoff
 *   and jitter, capped at `maxBackoffMs`: an outage of any length delays
 *   points, it never drops them.
 * - A 400/413/422 means some lines are bad for themselves. The batch is
 *   bisected (re-sending a landed line is harmless: same series, same time,
 *   same fields) until each bad line is alone; it then moves to
 *   influx_rejected with the server's reason, and the rest land.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/db.js';
import type { Logger } from '../observability/logger.js';
import type { InfluxConfig } from './config.js';
import { createOutbox, type OutboxRow, type Rejection } from '../store/influx-outbox.js';
import { createCommunityNames } from './community-names.js';
import { companyTarget, createTenantRouter, ROUTE_REFRESH_MS } from './tenants.js';
import { createInfluxWriter, type WriteResult } from './writer.js';

export interface InfluxSinkDeps {
  db: Db;
  config: InfluxConfig;
  logger: Logger;
  /** The service's prom-client registry; the sink registers its metrics on it (one sink per registry). */
  registry: Registry;
  /** Service clock (unix ms); Date.now by default. */
  now?: () => number;
  /**
   * Where the communities (company routing, names) are read, when not `db`: a partition's sink reads them
   * from the shared file (services/partitions/), and leaves the community-name points to the main thread's
   * sink (`communityNames: false`), which sees every community.
   */
  registryDb?: Db;
  communityNames?: boolean;
}

export interface FlushResult {
  /** Lines InfluxDB acknowledged in this flush. */
  written: number;
  /** Lines set aside in influx_rejected in this flush. */
  rejected: number;
  /** Lines still waiting after it. */
  depth: number;
  /** Why the flush stopped early (InfluxDB unreachable, 5xx, ...); null when the outbox was drained. */
  error: string | null;
}

/** One reading's line, as the readings processor hands it over. */
export interface ProjectedLine {
  readingId: number;
  communityId: string;
  line: string;
}

export interface ProjectResult {
  /** Deliveries InfluxDB acknowledged (the county's and the companies'). */
  written: number;
  /** Lines set aside in influx_rejected. */
  rejected: number;
  /** Company deliveries queued in influx_outbox_tenant. */
  deferred: number;
}

export interface InfluxSink {
  /**
   * Synchronous insert into the outbox (one row per line); call it inside the
   * journal write's transaction. `communityId`, when given, is the community
   * every line is about (its company database is found without reading the
   * lines); otherwise each line's `community` tag is read.
   */
  enqueue(lines: readonly string[], communityId?: string): void;
  /**
   * Writes readings' lines (the readings processor, readings.ts) to the county
   * database and each company's; rejects, having queued nothing, when the
   * county database did not take them. Otherwise queues what a company
   * database did not take, and what was refused, in one transaction with
   * `commitCheckpoint()`.
   */
  project(batch: readonly ProjectedLine[], commitCheckpoint: () => void, whileInFlight?: () => void): Promise<ProjectResult>;
  /** Starts the background writer (creates the database first, if the server allows). */
  start(): void;
  /** Stops the writer after a last flush of what it can deliver within the request timeout; the rest waits in SQLite. */
  stop(): Promise<void>;
  /** Lines waiting in the outbox. */
  depth(): number;
  /** Drains the outbox now, until it is empty or a delivery fails; never waits out a backoff. */
  flushNow(): Promise<FlushResult>;
  /**
   * Enqueues a `community` point (id and name, for the dashboards' picker) for
   * every community of the registry new or renamed (or moved to another
   * company) since the last call; the running loop calls it every
   * ROUTE_REFRESH_MS. Returns how many it enqueued.
   */
  syncCommunities(): number;
}

type Retry = Extract<WriteResult, { kind: 'retry' }>;
interface Delivery {
  written: number;
  rejected: number;
  failure: Retry | null;
}

export function createInfluxSink(deps: InfluxSinkDeps): InfluxSink {
  const { db, config } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'influx' });
  const outbox = createOutbox(db);
  const router = createTenantRouter(deps.registryDb ?? db, config.tenantDbPrefix, config.database);
  const tenancy = config.tenantDbPrefix !== null;
  const writer = createInfluxWriter(config);
  const metrics = registerMetrics(deps.registry, db, outbox, now);
  const names = createCommunityNames(deps.registryDb ?? db);
  let namesSyncedAt = -Infinity;
  const syncCommunities = (): number => {
    namesSyncedAt = now();
    if (deps.communityNames === false) return 0;
    return names.sync(namesSyncedAt, (line, company) => outbox.enqueue([line], companyTarget(config.tenantDbPrefix, company, config.database), now()));
  };

  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  /** Lines enqueued since the last flush started; only a hint to flush early (a rolled-back enqueue still counts). */
  let enqueuedSince = 0;
  /** Set by stop(): a flush in progress ends between batches once this passes. */
  let drainDeadline: number | null = null;
  let tail: Promise<unknown> = Promise.resolve();
  /** Per target database (null: the county's): is it known to exist, and its own backoff. */
  const targets = new Map<string | null, TargetState>();
  const stateOf = (target: string | null): TargetState => {
    let st = targets.get(target);
    if (!st) targets.set(target, (st = { ready: false, failures: 0, retryAt: 0, retryAfterMs: 0, reason: '' }));
    return st;
  };
  const county = stateOf(null);

  async function ensureDatabase(database: string, st: TargetState): Promise<void> {
    try {
      const res = await writer.createDatabase(database);
      st.ready = true;
      if (res.status >= 300 || res.body.includes('"error"')) {
        // 2.x / 3.x: databases are buckets mapped for the v1 API by an operator.
        log.info({ status: res.status, body: res.body, database }, 'CREATE DATABASE not accepted; writing to the database as configured');
      }
    } catch (err) {
      log.debug({ err, database }, 'CREATE DATABASE: server unreachable, will try again');
    }
  }

  /** What becomes of the rows of one delivery: landed (204) or refused for themselves (400/413/422, after bisection). */
  interface Outcome {
    landed(rows: OutboxRow[]): void;
    refused(rows: OutboxRow[], status: number, reason: string): void;
  }

  async function deliver(rows: OutboxRow[], database: string, st: TargetState, to: Outcome, whileInFlight?: () => void): Promise<Delivery> {
    const res = await writer.write(
      rows.map((r) => r.line),
      database,
      whileInFlight,
    );
    if (res.kind === 'ok') {
      to.landed(rows);
      metrics.written.inc(rows.length);
      return { written: rows.length, rejected: 0, failure: null };
    }
    metrics.errors.inc({ code: res.status === null ? 'network' : String(res.status) });
    if (res.kind === 'retry') {
      if (res.missingDatabase) st.ready = false;
      return { written: 0, rejected: 0, failure: res };
    }
    if (rows.length === 1 || res.allDropped) {
      to.refused(rows, res.status, res.reason);
      metrics.rejected.inc(rows.length);
      log.warn(
        { lines: rows.length, database, status: res.status, reason: res.reason, outboxIds: rows.map((r) => r.id).slice(0, 20) },
        'lines refused by InfluxDB, set aside in influx_rejected',
      );
      return { written: 0, rejected: rows.length, failure: null };
    }
    const mid = Math.ceil(rows.length / 2);
    const left = await deliver(rows.slice(0, mid), database, st, to);
    if (left.failure) return left;
    const right = await deliver(rows.slice(mid), database, st, to);
    return { written: left.written + right.written, rejected: left.rejected + right.rejected, failure: right.failure };
  }

  /**
   * One drain, in two parts; a database that fails backs off on its own and
   * is skipped until its retry time (unless `force`), and is tried at most
   * once per drain:
   *
   * 1. influx_outbox, oldest first, `batchSize` rows a POST to the county
   *    database; then the batch's rows that also go to a company are grouped
   *    by company and each group POSTed to its database. A group whose
   *    database fails, is backing off, or still has older rows waiting in
   *    influx_outbox_tenant (order matters: a recomputed fact must not be
   *    overwritten by its older version) is queued there instead, in the same
   *    transaction that deletes the batch. So a company's database holds up
   *    neither the county's nor another company's.
   * 2. influx_outbox_tenant, per company database, until empty or it fails.
   */
  async function drain(force: boolean): Promise<FlushResult> {
    enqueuedSince = 0;
    let written = 0;
    let rejected = 0;
    let error: string | null = null;
    const failedNow = new Set<string | null>();
    const past = () => drainDeadline !== null && now() > drainDeadline;
    const due = (st: TargetState) => force || isDue(st);
    const failed = (database: string, target: string | null, st: TargetState, f: Retry) => {
      noteFailure(database, st, f);
      error ??= f.reason;
      failedNow.add(target);
    };

    /** Part 1's second half: the company deliveries of rows the county database has; settles them. */
    async function fanOut(settled: OutboxRow[], rejections: Rejection[]): Promise<void> {
      const groups = groupByTarget(settled);
      const deferred: OutboxRow[] = [];
      for (const [target, group] of groups) {
        const st = stateOf(target);
        if (failedNow.has(target) || !due(st) || past() || outbox.hasDeferred(target)) {
          if (st.failures > 0) error ??= st.reason;
          for (const row of group) deferred.push(row);
          continue;
        }
        if (!st.ready) await ensureDatabase(target, st);
        const handled = new Set<number>();
        const d = await deliver(group, target, st, {
          landed: (rows) => rows.forEach((r) => handled.add(r.id)),
          refused: (rows, httpStatus, reason) => {
            rows.forEach((r) => handled.add(r.id));
            rejections.push({ rows, httpStatus, reason, target });
          },
        });
        written += d.written;
        rejected += d.rejected;
        if (d.failure) {
          failed(target, target, st, d.failure);
          for (const row of group) if (!handled.has(row.id)) deferred.push(row);
        } else recovered(target, st);
      }
      outbox.settle(settled, deferred, rejections, now());
    }

    // 1. influx_outbox: the county's database, then the fan-out.
    if (!due(county)) error ??= county.reason;
    else {
      if (!county.ready) await ensureDatabase(config.database, county);
      let countyFailed = false;
      while (!past()) {
        const rows = outbox.peek(config.batchSize);
        if (rows.length === 0) break;
        const settled: OutboxRow[] = [];
        const rejections: Rejection[] = [];
        const d = await deliver(rows, config.database, county, {
          landed: (landed) => {
            for (const r of landed) settled.push(r);
          },
          // Refused by the county's database, still offered to the company's (whose field types may differ).
          refused: (refused, httpStatus, reason) => {
            for (const r of refused) settled.push(r);
            rejections.push({ rows: refused, httpStatus, reason, target: null });
          },
        });
        written += d.written;
        rejected += d.rejected;
        if (settled.length > 0) await fanOut(settled, rejections);
        if (d.failure) {
          failed(config.database, null, county, d.failure);
          countyFailed = true;
          break;
        }
      }
      if (!countyFailed) recovered(config.database, county);
    }

    // 2. influx_outbox_tenant: each company's database on its own.
    for (const target of outbox.deferredTargets()) {
      if (past()) break;
      const st = stateOf(target);
      if (failedNow.has(target) || !due(st)) {
        error ??= st.reason;
        continue;
      }
      if (!st.ready) await ensureDatabase(target, st);
      let targetFailed = false;
      while (!past()) {
        const rows = outbox.peekDeferred(target, config.batchSize);
        if (rows.length === 0) break;
        const d = await deliver(rows, target, st, {
          landed: (landed) => outbox.removeDeferred(landed),
          refused: (refused, httpStatus, reason) => outbox.rejectDeferred(refused, httpStatus, reason, now()),
        });
        written += d.written;
        rejected += d.rejected;
        if (d.failure) {
          failed(target, target, st, d.failure);
          targetFailed = true;
          break;
        }
      }
      if (!targetFailed) recovered(target, st);
    }
    return { written, rejected, depth: outbox.depth(), error };
  }

  const isDue = (st: TargetState) => st.failures === 0 || now() >= st.retryAt;
  function recovered(database: string, st: TargetState): void {
    if (st.failures === 0) return;
    log.info({ database, failedAttempts: st.failures }, 'InfluxDB writes recovered');
    st.failures = 0;
  }

  /**
   * The readings processor's delivery (readings.ts): lines straight from the
   * journal, never in influx_outbox. The county database first: when it does
   * not take them the step fails (nothing is queued; the processor retries
   * from its checkpoint), so an outage leaves only the processor's lag. Then
   * each company's share, fanned out as drain() does: a share whose database
   * fails, backs off or still has rows waiting goes to influx_outbox_tenant,
   * committed with the checkpoint, so a company database holds up neither
   * the county's nor another company's.
   */
  async function project(batch: readonly ProjectedLine[], commitCheckpoint: () => void, whileInFlight?: () => void): Promise<ProjectResult> {
    const at = now();
    const rows: OutboxRow[] = batch.map((p) => ({ id: -p.readingId, line: p.line, enqueued_at: at, target: tenancy ? router.targetOf(p.communityId) : null }));
    const rejections: Rejection[] = [];
    if (!county.ready) await ensureDatabase(config.database, county);
    const countyDelivery = await deliver(rows, config.database, county, {
      landed: () => {},
      // Still offered to the company's database, as an outbox line is.
      refused: (refused, httpStatus, reason) => void rejections.push({ rows: refused, httpStatus, reason, target: null }),
    }, whileInFlight);
    if (countyDelivery.failure) {
      noteFailure(config.database, county, countyDelivery.failure);
      throw new Error(`InfluxDB database "${config.database}" did not take ${rows.length} reading lines: ${countyDelivery.failure.reason}`);
    }
    recovered(config.database, county);
    let { written, rejected } = countyDelivery;
    const deferred: { target: string; line: string }[] = [];
    for (const [target, group] of groupByTarget(rows)) {
      const st = stateOf(target);
      if (!isDue(st) || outbox.hasDeferred(target)) {
        for (const r of group) deferred.push({ target, line: r.line });
        continue;
      }
      if (!st.ready) await ensureDatabase(target, st);
      const handled = new Set<number>();
      const d = await deliver(group, target, st, {
        landed: (landed) => landed.forEach((r) => handled.add(r.id)),
        refused: (refused, httpStatus, reason) => {
          refused.forEach((r) => handled.add(r.id));
          rejections.push({ rows: refused, httpStatus, reason, target });
        },
      });
      written += d.written;
      rejected += d.rejected;
      if (d.failure) {
        noteFailure(target, st, d.failure);
        for (const r of group) if (!handled.has(r.id)) deferred.push({ target, line: r.line });
      } else recovered(target, st);
    }
    outbox.commitProjected(deferred, rejections, at, commitCheckpoint);
    return { written, rejected, deferred: deferred.length };
  }

  function noteFailure(database: string, st: TargetState, f: Retry): void {
    st.failures++;
    st.retryAfterMs = f.retryAfterMs;
    st.reason = f.reason;
    st.retryAt = now() + backoffMs(st);
    const detail = { database, status: f.status, reason: f.reason, depth: outbox.depth(), failedAttempts: st.failures };
    if (st.failures === 1) log.warn(detail, 'InfluxDB write failed; points wait in the outbox');
    else log.debug(detail, 'InfluxDB write failed again');
  }

  /** Exponential backoff with jitter: half the ceiling plus a random half; never less than Retry-After. */
  function backoffMs(st: TargetState): number {
    const base = Math.min(config.flushMs, 1000);
    const ceiling = Math.min(config.maxBackoffMs, base * 2 ** Math.min(st.failures - 1, 30));
    return Math.min(config.maxBackoffMs, Math.max(ceiling / 2 + (Math.random() * ceiling) / 2, st.retryAfterMs));
  }

  /** How long the loop sleeps: the flush interval, or less when a database's retry is due sooner; the county's backoff when it fails. */
  function nextWakeMs(): number {
    let ms = county.failures > 0 ? county.retryAt - now() : config.flushMs;
    for (const st of targets.values()) if (st.failures > 0) ms = Math.min(ms, st.retryAt - now());
    return Math.max(0, ms);
  }

  /** One flush at a time: the loop, flushNow() and stop() queue behind each other. */
  function flush(force: boolean): Promise<FlushResult> {
    const result = tail.then(() => drain(force));
    tail = result.catch(() => undefined);
    return result;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      wake = done;
      function done(): void {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
    });
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        if (now() - namesSyncedAt >= ROUTE_REFRESH_MS) syncCommunities();
        await flush(false);
      } catch (err) {
        county.failures++;
        county.retryAfterMs = 0;
        county.retryAt = now() + backoffMs(county);
        log.error({ err }, 'InfluxDB flush failed unexpectedly');
      }
      if (!running) break;
      await sleep(nextWakeMs());
    }
  }

  return {
    enqueue(lines, communityId) {
      const to = tenancy ? (communityId === undefined ? router.targets(lines) : router.targetOf(communityId)) : null;
      outbox.enqueue(lines, to, now());
      enqueuedSince += lines.length;
      if (enqueuedSince >= config.batchSize && county.failures === 0) wake?.();
    },
    start() {
      if (running) return;
      running = true;
      drainDeadline = null;
      loop = run();
    },
    async stop() {
      drainDeadline = now() + config.timeoutMs;
      running = false;
      wake?.();
      await loop;
      loop = null;
      try {
        const result = await flush(true);
        log.info({ written: result.written, left: result.depth, error: result.error }, 'InfluxDB sink stopped');
      } finally {
        drainDeadline = null;
      }
    },
    project,
    depth: () => outbox.depth(),
    flushNow: () => flush(true),
    syncCommunities,
  };
}

/** The rows that also go to a company database, by that database, in their order. */
function groupByTarget(rows: readonly OutboxRow[]): Map<string, OutboxRow[]> {
  const groups = new Map<string, OutboxRow[]>();
  for (const row of rows) {
    if (row.target === null) continue;
    const group = groups.get(row.target);
    if (group) group.push(row);
    else groups.set(row.target, [row]);
  }
  return groups;
}

interface TargetState {
  /** CREATE DATABASE was answered (or need not be sent again). */
  ready: boolean;
  /** Failed deliveries in a row. */
  failures: number;
  /** Not before this (unix ms) unless forced. */
  retryAt: number;
  /** The server's Retry-After on the last failure, ms. */
  retryAfterMs: number;
  /** Why the last delivery failed. */
  reason: string;
}

function registerMetrics(registry: Registry, db: Db, outbox: ReturnType<typeof createOutbox>, now: () => number) {
  new Gauge({
    name: 'gatewatch_influx_outbox_depth',
    help: 'Lines waiting in the InfluxDB outbox',
    registers: [registry],
    collect() {
      if (db.open) this.set(outbox.depth());
    },
  });
  new Gauge({
    name: 'gatewatch_influx_outbox_lag_seconds',
    help: 'Age of the oldest line waiting in the InfluxDB outbox (0 when empty)',
    registers: [registry],
    collect() {
      if (!db.open) return;
      const oldest = outbox.oldestEnqueuedAt();
      this.set(oldest === null ? 0 : Math.max(0, now() - oldest) / 1000);
    },
  });
  return {
    written: new Counter({ name: 'gatewatch_influx_points_written_total', help: 'Lines InfluxDB acknowledged (204)', registers: [registry] }),
    rejected: new Counter({
      name: 'gatewatch_influx_points_rejected_total',
      help: 'Lines InfluxDB refused for themselves, moved to influx_rejected',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'gatewatch_influx_write_errors_total',
      help: 'Failed write requests, by HTTP status or "network"',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
