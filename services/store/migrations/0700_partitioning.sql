-- How many partitions this data directory has (issue 18): fixed when it is created, because a
-- community's partition (a hash of its id, domain/partitions.ts) owns its journal, rules state,
-- alarms and facts. One row; absent on a directory created before partitions (then it has 1).
CREATE TABLE partitioning (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  partitions INTEGER NOT NULL CHECK (partitions >= 1),
  recorded_at INTEGER NOT NULL
);
