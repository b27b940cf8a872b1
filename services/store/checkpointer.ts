/**
 * WAL checkpoints off the writers' threads. The connections that commit ingest batches (the main thread's,
 * each partition's) open with `autoCheckpoint: false` (db.ts): SQLite would otherwise run a checkpoint,
 * and its fsync, inside whichever commit pushed the WAL past 1,000 pages, and that batch's PUBACKs waited for
 * it (measured: a 241 ms stall inside one ingest transaction at 5,000 readings/s). This thread checkpoints
 * every file PASSIVE once a period (checkpointer-worker.ts) and reports each file's WAL size, so a WAL that
 * cannot shrink (a reader that never ends) shows up in the log and in `gatewatch_sqlite_wal_pages`.
 */
import { Worker } from 'node:worker_threads';
import { threadEntry } from '../lifecycle/thread-entry.js';

export interface CheckpointerInit {
  paths: string[];
  everyMs: number;
}

export type CheckpointReport = { path: string; ms: number } & ({ walPages: number; checkpointedPages: number } | { error: string });

export interface CheckpointerDeps {
  /** The database files whose writers do not checkpoint themselves. */
  paths: string[];
  /** How often each file is checkpointed (default 1,000 ms). */
  everyMs?: number;
  /** Each pass's reports, one per file; `final`: the pass of close(). */
  onReports?: (reports: CheckpointReport[], final: boolean) => void;
  /** The thread ended on its own (its WALs then grow until the next start), with the error that ended it: the runtime logs it. */
  onDied?: (code: number, error: Error | undefined) => void;
}

export interface Checkpointer {
  /** A last checkpoint of every file, then the thread ends. */
  close(): Promise<void>;
}

export function startCheckpointer(deps: CheckpointerDeps): Checkpointer {
  const entry = threadEntry(import.meta.url, 'checkpointer-worker');
  const init: CheckpointerInit = { paths: deps.paths, everyMs: deps.everyMs ?? 1000 };
  const worker = new Worker(entry.code, { eval: entry.eval, workerData: init });
  let closing = false;
  let failure: Error | undefined;
  worker.on('message', (m: { reports: CheckpointReport[]; final: boolean }) => deps.onReports?.(m.reports, m.final));
  // An uncaught error ends the thread: kept for the exit's report.
  worker.on('error', (err) => (failure = err));
  const exited = new Promise<void>((resolve) => {
    worker.on('exit', (code) => {
      if (!closing) deps.onDied?.(code, failure);
      resolve();
    });
  });
  return {
    async close() {
      closing = true;
      worker.postMessage({ t: 'close' });
      // The last pass of a large WAL may take a while; a thread that does not end in 10 s is ended.
      const bound = setTimeout(() => void worker.terminate(), 10_000);
      await exited;
      clearTimeout(bound);
    },
  };
}
