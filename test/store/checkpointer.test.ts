/**
 * WAL checkpoints off the ingest thread (store/checkpointer.ts): a connection opened with
 * `autoCheckpoint: false` never checkpoints inside its commits, and the checkpointer's thread keeps its WAL
 * from growing without bound, reporting each file's WAL pages; its close does a last pass and ends the thread.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../services/store/db.js';
import { startCheckpointer, type CheckpointReport } from '../../services/store/checkpointer.js';
import { eventually, startTestService } from '../support/service.js';

const PAGE = 4096;
const dirs: string[] = [];
const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function database(autoCheckpoint: boolean): { db: Db; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-ckpt-'));
  dirs.push(dir);
  const path = join(dir, 'gatewatch.sqlite');
  const db = openDatabase(path, { autoCheckpoint });
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)');
  open.push(db);
  return { db, path };
}
/** One transaction of about `pages` pages of new data. */
const write = (db: Db, pages: number) => db.transaction(() => {
  const insert = db.prepare('INSERT INTO blobs (data) VALUES (?)');
  for (let i = 0; i < pages; i++) insert.run(Buffer.alloc(PAGE - 64, i % 251));
})();
const walPages = (path: string) => statSync(`${path}-wal`).size / PAGE;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WAL checkpoints', () => {
  it('a connection with autoCheckpoint false never checkpoints in its commits; the default one does past 1,000 pages', () => {
    const off = database(false);
    const on = database(true);
    for (let i = 0; i < 30; i++) {
      write(off.db, 100);
      write(on.db, 100);
    }
    expect(off.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    expect(on.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    // 3,000 pages written: all of them still in the WAL without checkpoints; a WAL restarted after 1,000 with them.
    expect(walPages(off.path)).toBeGreaterThan(3000);
    expect(walPages(on.path)).toBeLessThan(1300);
  });

  it('the checkpointer keeps such a WAL bounded under steady writes, reports every file, and ends after a last pass', async () => {
    const a = database(false);
    const b = database(false);
    const reports: CheckpointReport[][] = [];
    const finals: number[] = [];
    const checkpointer = startCheckpointer({ paths: [a.path, b.path], everyMs: 50, onReports: (r, final) => (final ? finals.push(reports.push(r) - 1) : reports.push(r)) });
    try {
      for (let i = 0; i < 40; i++) {
        write(a.db, 100);
        await sleep(25);
      }
      // 4,000 pages written in all; the WAL file (its high-water mark: a restarted WAL is reused, not truncated) stays far below.
      expect(walPages(a.path)).toBeLessThan(2000);
      expect(reports.length).toBeGreaterThanOrEqual(5);
      expect(reports.every((pass) => pass.map((r) => r.path).join() === [a.path, b.path].join())).toBe(true);
      const last = reports.at(-1)!;
      expect(last.every((r) => !('error' in r))).toBe(true);
      expect(reports.flat().filter((r) => r.path === a.path).some((r) => 'walPages' in r && r.walPages > 0 && r.checkpointedPages === r.walPages)).toBe(true);
    } finally {
      await checkpointer.close();
      // close(): one more pass, the last one, with everything written checkpointed.
      expect(finals).toEqual([reports.length - 1]);
      const final = reports.at(-1)!.find((r) => r.path === a.path)!;
      expect('walPages' in final && final.checkpointedPages === final.walPages).toBe(true);
    }
    expect(a.db.prepare('SELECT COUNT(*) FROM blobs').pluck().get()).toBe(4000);
  });

  it('in the service: the ingest connection does not checkpoint itself, and /metrics shows its WAL after a pass', async () => {
    const svc = await startTestService();
    try {
      expect(svc.runtime.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const metric = async () => (await svc.runtime.http.inject({ method: 'GET', url: '/metrics' })).body.split('\n').find((l) => l.startsWith('gatewatch_sqlite_wal_pages{file="gatewatch.sqlite"} '));
      await eventually(async () => (await metric()) !== undefined, 5000, 100);
      expect(Number.isInteger(Number((await metric())!.split(' ')[1]))).toBe(true);
    } finally {
      await svc.stop();
    }
  });
});
