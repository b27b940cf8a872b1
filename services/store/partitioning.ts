/**
 * The store side of partitions (issue 18, services/partitions/README.md).
 *
 * With GW_PARTITIONS = 1 (the default on small machines) there is one file, `gatewatch.sqlite`,
 * exactly as before. With P > 1, `gatewatch.sqlite` keeps the shared, low-volume data (registry,
 * accounts, tokens, audit of people's changes, inspections, presence) and each partition k has
 * `partitions/p<k>.sqlite` with its communities' journal, dead letters, rules checkpoints, alarms
 * (and their audit entries), daily facts and outboxes. Every file carries the whole schema (one
 * list of migrations); a partition's copies of the shared tables stay empty.
 *
 * - Ids the API shows or pages by (readings, dead letters, alarms, audit entries) are unique across
 *   partitions: partition k's start at (k + 1) · 2^44 (the shared file's audit entries below) (AUTOINCREMENT, so they never go back).
 * - The API reads across partitions through one read-only connection (`openReadAcross`): the
 *   shared file with every partition attached and TEMP views of the partition tables that are
 *   the union of all of them. It never writes there: changes to a partition's data go to the
 *   partition's thread, the single writer of its file.
 */
import { join } from 'node:path';
import { openDatabase, type Db, type OpenOptions } from './db.js';

/** Partition k's ids start above (k + 1) · ID_STRIDE: 1.7e13 ids each, and 8 partitions stay below 2^53. */
export const PARTITION_ID_STRIDE = 2 ** 44;

/** Tables whose ids are shown, cited or paged by: AUTOINCREMENT from the partition's base. */
const STRIPED_TABLES = ['readings', 'dead_letters', 'alarms', 'audit_log'] as const;

/** What the API reads across partitions: on the read connection, the union of every partition's rows. */
const PARTITION_TABLES = ['readings', 'dead_letters', 'alarms', 'daily_facts'] as const;

export function partitionFile(dataDir: string, index: number): string {
  return join(dataDir, 'partitions', `p${index}.sqlite`);
}

/** Opens (creates, migrates) partition `index`'s file, its ids striped. */
export function openPartitionDatabase(path: string, index: number, options: OpenOptions = {}): Db {
  const db = openDatabase(path, options);
  try {
    for (const table of STRIPED_TABLES) {
      ensureAutoincrement(db, table);
      startIdsAt(db, table, (index + 1) * PARTITION_ID_STRIDE);
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Rebuilds `table` with AUTOINCREMENT when it lacks it (a fresh partition file; or a later migration that
 * rebuilt the table the plain way): rows, indexes and triggers kept. Without AUTOINCREMENT SQLite hands out
 * max(id) + 1, which would start every partition at 1.
 */
function ensureAutoincrement(db: Db, table: string): void {
  const sql = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string | undefined;
  if (sql === undefined) throw new Error(`partition file has no table ${table}`);
  if (/\bAUTOINCREMENT\b/i.test(sql)) return;
  const dependants = db.prepare("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL").pluck().all(table) as string[];
  const rebuilt = `${table}__autoincrement`;
  const create = sql
    .replace(new RegExp(`^CREATE TABLE\\s+"?${table}"?`, 'i'), `CREATE TABLE ${rebuilt}`)
    .replace(/\bid\s+INTEGER\s+PRIMARY\s+KEY\b/i, 'id INTEGER PRIMARY KEY AUTOINCREMENT');
  if (!/\bAUTOINCREMENT\b/.test(create)) throw new Error(`cannot give ${table} AUTOINCREMENT ids: no "id INTEGER PRIMARY KEY" column`);
  db.transaction(() => {
    db.exec(create);
    db.exec(`INSERT INTO ${rebuilt} SELECT * FROM ${table}`);
    db.exec(`DROP TABLE ${table}`);
    db.exec(`ALTER TABLE ${rebuilt} RENAME TO ${table}`);
    for (const statement of dependants) db.exec(statement);
  })();
}

function startIdsAt(db: Db, table: string, base: number): void {
  if (base === 0) return;
  db.transaction(() => {
    db.prepare('INSERT INTO sqlite_sequence (name, seq) SELECT ?, 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)').run(table, table);
    db.prepare('UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?').run(base, table);
  })();
}

/**
 * The API's read connection across partitions: the shared file, every partition attached (p0, p1, …) and TEMP
 * views named like the partition tables, so each repository's unchanged SQL reads the union; `audit_log` is the
 * union of the shared file's entries and the partitions' (alarm changes). Build the repositories over it before
 * calling `shadowPartitionTables` (their write statements are prepared then; writing through them afterwards
 * fails: this connection only reads).
 */
export function openReadAcross(sharedPath: string, partitionPaths: readonly string[], busyTimeoutMs?: number): Db {
  const db = openDatabase(sharedPath, { busyTimeoutMs });
  try {
    partitionPaths.forEach((path, k) => db.prepare('ATTACH DATABASE ? AS ?').run(path, `p${k}`));
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function shadowPartitionTables(db: Db, partitions: number): void {
  const arms = (table: string, withMain: boolean) =>
    [...(withMain ? [`SELECT * FROM main.${table}`] : []), ...Array.from({ length: partitions }, (_, k) => `SELECT * FROM p${k}.${table}`)].join(' UNION ALL ');
  for (const table of PARTITION_TABLES) db.exec(`CREATE TEMP VIEW ${table} AS ${arms(table, false)}`);
  db.exec(`CREATE TEMP VIEW audit_log AS ${arms('audit_log', true)}`);
}

export type PartitionCount = { kind: 'ok'; partitions: number } | { kind: 'mismatch'; recorded: number };

/**
 * The data directory's partition count: recorded at its first start (`wanted`, else `fallback`), kept after.
 * A directory with readings but no record predates partitions: it has 1. `wanted` that differs from the
 * record is a mismatch (the caller names GW_PARTITIONS).
 */
export function resolvePartitionCount(shared: Db, wanted: number | undefined, fallback: number, at: number): PartitionCount {
  const recorded = shared.prepare('SELECT partitions FROM partitioning WHERE id = 1').pluck().get() as number | undefined;
  const legacy = recorded === undefined && shared.prepare('SELECT EXISTS (SELECT 1 FROM readings) OR EXISTS (SELECT 1 FROM alarms)').pluck().get() === 1;
  const count = recorded ?? (legacy ? 1 : (wanted ?? fallback));
  if (wanted !== undefined && wanted !== count) return { kind: 'mismatch', recorded: count };
  if (recorded === undefined) shared.prepare('INSERT INTO partitioning (id, partitions, recorded_at) VALUES (1, ?, ?)').run(count, at);
  return { kind: 'ok', partitions: count };
}
