/**
 * The embedded system of record: one SQLite file in WAL mode. Every table is
 * created by a numbered SQL file in ./migrations, applied once, in order.
 * Migration number ranges keep feature areas apart: 0001-0099 core, 0100-0199
 * rules, 0200-0299 InfluxDB outbox, 0300-0399 checklist and inspections,
 * 0400-0499 accounts and audit.
 */
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Db = Database.Database;

export type SyncMode = 'OFF' | 'NORMAL' | 'FULL';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export interface OpenOptions {
  /** NORMAL survives a process crash (kill -9); FULL also survives power loss. */
  synchronous?: SyncMode;
  /**
   * false: this connection's commits never run a WAL checkpoint (SQLite's default runs one, fsync included,
   * in the commit that passes 1,000 WAL pages). For the connections that commit ingest batches, whose
   * checkpoints run on the checkpointer's thread instead (checkpointer.ts).
   */
  autoCheckpoint?: boolean;
  /**
   * How long a statement waits for another connection's write lock before it fails with SQLITE_BUSY.
   * The wait blocks the thread (better-sqlite3 is synchronous), so the main thread, which also serves
   * /healthz and the API, uses a short one and lets the broker's retry do the waiting (broker/handover.ts).
   * Migrations at open always wait the long default: a start must not fail because the CLI is writing.
   */
  busyTimeoutMs?: number;
}

/** The wait of a connection that may block its thread (the CLI, the broker thread's reads). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  if (options.autoCheckpoint === false) db.pragma('wal_autocheckpoint = 0');
  db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
  immediateTransactions(db);
  migrate(db);
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new RangeError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
  if (busyTimeoutMs !== DEFAULT_BUSY_TIMEOUT_MS) db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return db;
}

/**
 * Every transaction of this connection begins IMMEDIATE (takes the write lock
 * at BEGIN, waiting for it under busy_timeout), not DEFERRED. Several
 * connections write the one file (ingest and the rules processor, the broker
 * thread's presence reset, the CLI, partitions: bench/partitions.ts): a
 * deferred transaction that reads first and writes later fails at once with
 * SQLITE_BUSY_SNAPSHOT when another connection committed in between, and the
 * busy handler cannot help it. Nested calls stay savepoints.
 */
function immediateTransactions(db: Db): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    // better-sqlite3 gives each variant the others as properties (.deferred, .immediate, .exclusive).
    return transaction(fn).immediate;
  }) as Db['transaction'];
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.slice(5, -4), sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Applies every migration not yet recorded, each in its own transaction. Returns the versions applied. */
export function migrate(db: Db, migrations = loadMigrations()): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
    done.push(m.version);
  }
  return done;
}
