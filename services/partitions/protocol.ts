/**
 * Messages between the main thread (thread.ts) and a partition's thread (worker.ts). Device batches do not pass
 * here: they come straight from the broker thread over the partition's own port (broker/intake.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { StoreConfig } from './components.js';
import type { AlarmActionRequest, AlarmActionResult } from '../alarms/actions.js';
import type { Alarm } from '../domain/alarm.js';
import type { BackfillReport } from '../ingest/backfill.js';

export interface PartitionInit {
  index: number;
  count: number;
  partitionPath: string;
  sharedPath: string;
  startup: StoreConfig;
  logLevel: string;
  /** The broker thread's batches for this partition, answered on the same port. */
  brokerPort: MessagePort;
}

export type ReadmitSelection = { ids?: number[]; deviceId?: string; code?: string; from?: number; to?: number };

export type PartitionCall =
  | { op: 'alarmAction'; request: AlarmActionRequest }
  | { op: 'importLines'; text: string; actor: string; source: string }
  | { op: 'readmit'; selection: ReadmitSelection; actor: string }
  | { op: 'reevaluate'; actor: string }
  /** prom-client's JSON of this thread's registry, for the one /metrics of the service (AggregatorRegistry). */
  | { op: 'metrics' }
  /** Tests and tools: evaluate what is journaled now; time-driven outcomes now; all periodic work now. */
  | { op: 'drain' }
  | { op: 'tick' }
  | { op: 'runPeriodic' }
  | { op: 'close' };

export interface PartitionResults {
  alarmAction: AlarmActionResult;
  importLines: BackfillReport;
  readmit: BackfillReport;
  reevaluate: { reevaluated: number; stillFailing: number };
  metrics: unknown[];
  drain: null;
  tick: null;
  runPeriodic: null;
  close: null;
}

export type ToPartitionThread = { t: 'call'; id: number; call: PartitionCall };

export type FromPartitionThread =
  | { t: 'ready' }
  | { t: 'failed'; error: string }
  | { t: 'reply'; id: number; result?: unknown; error?: string; code?: string }
  /** After-commit events of this partition, re-emitted on the main thread's bus (the live feed). */
  | { t: 'event'; event: 'alarm.created' | 'alarm.updated'; alarm: Alarm }
  /** Whether this partition's last ingest write failed for a full disk or an I/O error (/readyz). */
  | { t: 'storage'; problem: { code: string; since: string } | null };
