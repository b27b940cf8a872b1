/**
 * Another connection holding SQLite's write lock (BEGIN IMMEDIATE), as the CLI or a backup would, on a thread of
 * its own: the service's main thread is this test's thread, and a busy wait there must not keep the holder from
 * letting go on time (a holder on the same thread would only release once the service's wait gave up).
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const BETTER_SQLITE3 = createRequire(import.meta.url).resolve('better-sqlite3');

const HOLDER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.exec('BEGIN IMMEDIATE');
parentPort.postMessage('locked');
setTimeout(() => { db.exec('COMMIT'); db.close(); parentPort.postMessage('released'); }, workerData.ms);
`;

/** Resolves once the lock is held; `released` resolves when it has been let go, `ms` later. */
export async function holdWriteLock(path: string, ms: number): Promise<{ released: Promise<void> }> {
  const worker = new Worker(HOLDER, { eval: true, workerData: { module: BETTER_SQLITE3, path, ms } });
  const next = () =>
    new Promise<string>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const locked = await next();
  if (locked !== 'locked') throw new Error(`write-lock holder: ${locked}`);
  const released = next().then(() => worker.terminate().then(() => undefined));
  return { released };
}
