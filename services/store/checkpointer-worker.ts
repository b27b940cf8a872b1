/**
 * The checkpointer's thread (checkpointer.ts starts it): one connection per database file, each checkpointed
 * PASSIVE in turn every period. A passive checkpoint copies committed WAL frames into the database file and
 * fsyncs it without taking the write lock, so the writers (ingest) go on committing meanwhile; the fsync,
 * which took up to 241 ms on a busy disk when SQLite's auto-checkpoint ran it inside an ingest commit, now
 * blocks only this thread.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointerInit, CheckpointReport } from './checkpointer.js';

const init = workerData as CheckpointerInit;
const port = parentPort!;
const dbs = init.paths.map((path) => {
  const db = new Database(path, { fileMustExist: true });
  // A checkpoint waits for no writer; a reader's snapshot only shortens it (it copies what no reader needs).
  db.pragma('busy_timeout = 1000');
  return { path, db };
});

function checkpointAll(final: boolean): void {
  const reports: CheckpointReport[] = [];
  for (const { path, db } of dbs) {
    const started = performance.now();
    try {
      const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      reports.push({ path, walPages: row?.log ?? 0, checkpointedPages: row?.checkpointed ?? 0, ms: performance.now() - started });
    } catch (err) {
      reports.push({ path, error: err instanceof Error ? err.message : String(err), ms: performance.now() - started });
    }
  }
  port.postMessage({ reports, final });
}

const timer = setInterval(() => checkpointAll(false), init.everyMs);
port.on('message', (m: { t: 'close' }) => {
  if (m.t !== 'close') return;
  clearInterval(timer);
  // One last pass, so what the writers committed last is in the database files, then the connections close.
  checkpointAll(true);
  for (const { db } of dbs) db.close();
  port.close();
});
