/**
 * The main thread's side of partitions: how many this data directory has, the read connection across
 * their files for the API, and the API's changes to partition data sent to the partitions' threads
 * (alarm actions to the owning partition; imports split by community; re-admissions and re-evaluations
 * to every partition, their reports merged).
 */
import { availableParallelism } from 'node:os';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { ConfigError } from '../config/env.js';
import type { Db } from '../store/db.js';
import { openPartitionDatabase, openReadAcross, partitionFile, resolvePartitionCount } from '../store/partitioning.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import { partitionOf, partitionOfTopic } from '../domain/partitions.js';
import { MAX_PROBLEMS, type BackfillReport } from '../ingest/backfill.js';
import type { AlarmActionRequest, AlarmActionResult } from '../alarms/actions.js';
import type { PartitionThreads } from './thread.js';

/** A new data directory's partitions when GW_PARTITIONS is unset: the main and broker threads keep two cores. */
export function defaultPartitions(cores = availableParallelism()): number {
  return cores <= 3 ? 1 : Math.min(8, cores - 2);
}

/** The data directory's partition count; GW_PARTITIONS set to another count fails the start, naming it. */
export function partitionCount(shared: Db, wanted: number | undefined): number {
  const resolved = resolvePartitionCount(shared, wanted, defaultPartitions(), Date.now());
  if (resolved.kind === 'ok') return resolved.partitions;
  throw new ConfigError(
    `GW_PARTITIONS=${wanted}: this data directory was created with ${resolved.recorded} partition(s), and a community's journal, alarms and facts live in its partition. ` +
      `Unset GW_PARTITIONS (or set it to ${resolved.recorded}), or start with a new GW_DATA_DIR.`,
  );
}

export interface PartitionReads {
  db: Db;
  paths: string[];
}

/**
 * Creates (migrates) every partition's file, then opens the API's read connection across them, waiting at most
 * `busyTimeoutMs` (the main thread's short wait: a read in WAL mode waits only in rare recoveries).
 */
export function openPartitionReads(dataDir: string, sharedPath: string, partitions: number, busyTimeoutMs: number): PartitionReads {
  const paths = Array.from({ length: partitions }, (_, k) => partitionFile(dataDir, k));
  paths.forEach((path, k) => openPartitionDatabase(path, k).close());
  return { db: openReadAcross(sharedPath, paths, busyTimeoutMs), paths };
}

/** What the API changes in partition data, sent to the partitions (api/app.ts alarmActions and backfill). */
export function partitionedIngest(threads: PartitionThreads, alarms: Pick<AlarmsRepo, 'get'>) {
  const ofCommunity = (communityId: string) => partitionOf(communityId, threads.count);
  return {
    async alarmActions(request: AlarmActionRequest): Promise<AlarmActionResult> {
      const alarm = alarms.get(request.id);
      if (!alarm) return 'not_found';
      return threads.call(ofCommunity(alarm.communityId), { op: 'alarmAction', request });
    },
    backfill: {
      /** Each partition gets the file with the other partitions' lines blank, so every line keeps its number. */
      async importLines(text: string, actor: string, source: string): Promise<BackfillReport> {
        const lines = text.split(/\r?\n/);
        const owner = lines.map((line) => partitionOfTopic(topicOf(line), threads.count));
        const parts = Array.from({ length: threads.count }, (_, k) => k).filter((k) => owner.includes(k));
        const reports = await Promise.all(
          parts.map((k) => threads.call(k, { op: 'importLines', text: lines.map((line, i) => (owner[i] === k ? line : '')).join('\n'), actor, source })),
        );
        return mergeReports(reports);
      },
      async readmit(selection: { ids?: number[]; deviceId?: string; code?: string; from?: number; to?: number }, actor: string): Promise<BackfillReport> {
        return mergeReports(await threads.all({ op: 'readmit', selection, actor }));
      },
      async reevaluate(actor: string): Promise<{ reevaluated: number; stillFailing: number }> {
        const results = await threads.all({ op: 'reevaluate', actor });
        return { reevaluated: results.reduce((n, r) => n + r.reevaluated, 0), stillFailing: results.reduce((n, r) => n + r.stillFailing, 0) };
      },
    },
  };
}

/** The topic of an import line, or '' (its partition then is 0, whose ingest reports the line as a single one would). */
function topicOf(line: string): string {
  if (line.trim() === '') return '';
  try {
    const parsed = JSON.parse(line) as { topic?: unknown };
    return typeof parsed?.topic === 'string' ? parsed.topic : '';
  } catch {
    return '';
  }
}

/** The partitions' reports as one: counts added, problems in line (then dead letter) order, at most MAX_PROBLEMS. */
export function mergeReports(reports: readonly BackfillReport[]): BackfillReport {
  const problems = reports.flatMap((r) => r.problems).sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.deadLetterId ?? 0) - (b.deadLetterId ?? 0));
  return {
    accepted: reports.reduce((n, r) => n + r.accepted, 0),
    duplicate: reports.reduce((n, r) => n + r.duplicate, 0),
    rejected: reports.reduce((n, r) => n + r.rejected, 0),
    problems: problems.slice(0, MAX_PROBLEMS),
    days: reports.flatMap((r) => r.days),
    alarms: reports.reduce((n, r) => n + r.alarms, 0),
  };
}

/**
 * One Prometheus text for the process: this thread's registry and every partition's (their series carry a
 * `partition` label), merged by prom-client's aggregator (which sums what has the same labels).
 */
export async function aggregateMetrics(own: Registry, threads: PartitionThreads): Promise<string> {
  const parts = await threads.all({ op: 'metrics' });
  const merged = AggregatorRegistry.aggregate([await own.getMetricsAsJSON(), ...parts] as Parameters<typeof AggregatorRegistry.aggregate>[0]);
  return merged.metrics();
}
