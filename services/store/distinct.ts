/** Distinct values of an indexed column, one index seek per value. */
import type { Db } from './db.js';

/**
 * Prepares a statement that lists the distinct non-null values of `column`
 * (the leading column of an index on `table`), in order. SQLite answers
 * `SELECT DISTINCT` by scanning the whole index; this recursive walk seeks
 * the next value each step, so it costs one seek per value, not one step per
 * row. `table` and `column` are identifiers from our own code, never input.
 */
export function prepareDistinctValues(db: Db, table: string, column: string) {
  return db
    .prepare(
      `WITH RECURSIVE v(value) AS (
         SELECT min(${column}) FROM ${table}
         UNION ALL
         SELECT (SELECT min(${column}) FROM ${table} WHERE ${column} > v.value) FROM v WHERE v.value IS NOT NULL
       )
       SELECT value FROM v WHERE value IS NOT NULL`,
    )
    .pluck();
}
