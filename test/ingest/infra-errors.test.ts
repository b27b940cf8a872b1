/**
 * The classifier (store/errors.ts) on real SQLite errors from real connections, and the pipeline's per-row
 * catch: a data error is dead-lettered, an infrastructure error fails the whole batch (nothing committed).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStorageHealth, isBusyError, isInfrastructureError, isStorageFailure, sqlitePrimaryCode } from '../../services/store/errors.js';
import { openDatabase } from '../../services/store/db.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('isInfrastructureError', () => {
  it('a write while another connection holds the write lock is SQLITE_BUSY: infrastructure, busy, not a storage failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-infra-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const a = openDatabase(path, { busyTimeoutMs: 0 });
    const b = new Database(path);
    b.exec('BEGIN IMMEDIATE');
    const err = caught(() => a.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'x', 'y')").run());
    b.exec('ROLLBACK');
    b.close();
    a.close();
    expect((err as { code: string }).code).toBe('SQLITE_BUSY');
    expect([isInfrastructureError(err), isBusyError(err), isStorageFailure(err)]).toEqual([true, true, false]);
  });

  it('a constraint violation or a syntax error is the data\'s (or the code\'s) fault, not the infrastructure\'s', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    db.exec('INSERT INTO t VALUES (1)');
    const unique = caught(() => db.exec('INSERT INTO t VALUES (1)'));
    const syntax = caught(() => db.exec('SELEC 1'));
    db.close();
    expect(sqlitePrimaryCode(unique)).toBe('SQLITE_CONSTRAINT');
    expect([isInfrastructureError(unique), isInfrastructureError(syntax)]).toEqual([false, false]);
    expect(isInfrastructureError(new Error('database is locked'))).toBe(false);
    expect(isInfrastructureError(undefined)).toBe(false);
  });

  it('a read-only connection refusing a write is SQLITE_READONLY: a storage failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-infra-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    openDatabase(path).close();
    const ro = new Database(path, { readonly: true });
    const err = caught(() => ro.exec("INSERT INTO schema_migrations VALUES (9999, 'x', 'y')"));
    ro.close();
    expect((err as { code: string }).code).toBe('SQLITE_READONLY');
    expect([isInfrastructureError(err), isStorageFailure(err)]).toEqual([true, true]);
  });

  it('every listed primary code and its extended codes count; others do not', () => {
    const e = (code: string) => new Database.SqliteError('x', code);
    const yes = ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_CANTOPEN', 'SQLITE_NOMEM'];
    const no = ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_MISMATCH', 'SQLITE_TOOBIG', 'SQLITE_RANGE', 'SQLITE_BUSYX'];
    expect(yes.filter((c) => !isInfrastructureError(e(c)))).toEqual([]);
    expect(no.filter((c) => isInfrastructureError(e(c)))).toEqual([]);
    expect(yes.filter((c) => isStorageFailure(e(c)))).toEqual(['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_CANTOPEN', 'SQLITE_NOMEM']);
  });
});

describe('createStorageHealth', () => {
  it('a storage failure makes it a problem until a write succeeds; busy does not; the episode keeps its start', () => {
    let t = Date.parse('2026-12-03T08:00:00Z');
    const health = createStorageHealth(() => t);
    health.failed(new Database.SqliteError('database is locked', 'SQLITE_BUSY'));
    expect(health.problem()).toBeNull();
    health.failed(new Database.SqliteError('database or disk is full', 'SQLITE_FULL'));
    t += 1000;
    health.failed(new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_WRITE'));
    expect(health.problem()).toEqual({ code: 'SQLITE_IOERR_WRITE', since: '2026-12-03T08:00:00.000Z' });
    health.succeeded();
    expect(health.problem()).toBeNull();
  });
});
