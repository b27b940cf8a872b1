/**
 * Which partition owns a community (issue 18: partitions by community). A partition owns the
 * journal, rules state, alarms and facts of its communities and runs on its own worker thread,
 * over its own SQLite file (services/partitions/README.md).
 *
 * A stable hash, not an assignment table: the broker thread routes each message by its topic
 * alone, with no lookup and nothing to keep in step. The count is fixed when a data directory is
 * created (store/partitioning.ts): changing it would move communities away from their journals.
 */
import { TOPIC_ROOT, TOPIC_VERSION } from '../../schemas/src/topics.js';

/** Most partitions: each is an attached database of the API's connection (SQLite attaches at most 10). */
export const MAX_PARTITIONS = 8;

/** FNV-1a (32 bit) of the community id, modulo the partition count: the same on every thread and every start. */
export function partitionOf(communityId: string, partitions: number): number {
  if (partitions <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < communityId.length; i++) {
    h ^= communityId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

const PREFIX = `${TOPIC_ROOT}/${TOPIC_VERSION}/`;

/**
 * The partition of a device message, from its topic's community level. A topic without one (malformed, another
 * version) goes to partition 0, whose ingest dead-letters it with the reason, as one partition would.
 */
export function partitionOfTopic(topic: string, partitions: number): number {
  if (partitions <= 1 || !topic.startsWith(PREFIX)) return 0;
  const end = topic.indexOf('/', PREFIX.length);
  return end <= PREFIX.length ? 0 : partitionOf(topic.slice(PREFIX.length, end), partitions);
}
