/**
 * Where each processor over the journal stands (migration 0120): the last
 * journal row whose outputs committed. Advanced inside the transaction that
 * commits those outputs, never on its own.
 */
import type { Db } from './db.js';

export function createCheckpointsRepo(db: Db) {
  const read = db.prepare('SELECT position FROM processor_checkpoints WHERE name = ?').pluck();
  const write = db.prepare(
    'INSERT INTO processor_checkpoints (name, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at',
  );
  const insertIfMissing = db.prepare('INSERT OR IGNORE INTO processor_checkpoints (name, position, updated_at) VALUES (?, ?, ?)');
  const lastReading = db.prepare('SELECT COALESCE(MAX(id), 0) FROM readings').pluck();
  return {
    /** The committed position; 0 for a processor that has none yet. */
    position: (name: string): number => (read.get(name) as number | undefined) ?? 0,
    /** Inside the transaction of the outputs up to `position`. */
    advance: (name: string, position: number, at: number): void => void write.run(name, position, at),
    /**
     * A processor added to a running installation starts at the journal's end
     * (`from: 'end'`: it projects what arrives from now on) or at its start.
     */
    ensure(name: string, from: 'start' | 'end', at: number): void {
      insertIfMissing.run(name, from === 'end' ? (lastReading.get() as number) : 0, at);
    },
    /** The newest journal row: how far behind a processor is. */
    journalEnd: (): number => lastReading.get() as number,
  };
}

export type CheckpointsRepo = ReturnType<typeof createCheckpointsRepo>;
