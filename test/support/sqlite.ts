/** A SQLite file of the service read with a connection of the test's own, opened read-only and closed after `fn`. */
import Database from 'better-sqlite3';

export function readDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}
