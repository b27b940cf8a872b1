/**
 * Messages between the broker thread (worker.ts) and the main thread
 * (thread.ts). Everything is structured-clonable: payloads cross as
 * Uint8Array views, calls carry an id and are answered once.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ServiceAccount } from '../config/service-config.js';
import type { BrokerLimits } from './limits.js';
import type { ListenAddresses, ListenOptions } from './listeners.js';
import type { DisconnectReason, Presence } from './sessions.js';

export interface BrokerThreadInit {
  dbPath: string;
  logLevel: string;
  limits: BrokerLimits;
  listen: ListenOptions;
  serviceAccounts: readonly ServiceAccount[];
  /** Most messages per batch handed to the main thread. */
  maxBatch: number;
  /**
   * With more than one partition (GW_PARTITIONS): one port to each partition's thread, in partition order.
   * Each message goes to its community's partition (domain/partitions.ts) in batches of its own, and its
   * PUBACK waits only for that partition's commit. Absent: everything goes to the main thread.
   */
  partitionPorts?: MessagePort[];
}

/** Between the broker thread and a partition's thread, over that partition's port. */
export type ToPartition = { t: 'batch'; batch: number; messages: WireMessage[] };
export type FromPartition = Committed;

/** One device message as received, before decoding. */
export interface WireMessage {
  receivedAt: number;
  clientId: string;
  topic: string;
  payload: Uint8Array;
  qos: number;
}

/** The presence writes the broker makes (store/presence-repo.ts), done by the main thread. */
export type PresenceWrite =
  | { op: 'connected'; deviceId: string; at: number }
  | { op: 'disconnected'; deviceId: string; at: number; reason: string; lastSeenAt: number | null }
  | { op: 'saveLastSeen'; entries: [string, number][] };

export interface PresenceEvent {
  deviceId: string;
  communityId: string;
  online: boolean;
  at: number;
  reason: string;
}

export type Call =
  | { op: 'presenceOf'; deviceIds: string[] }
  | { op: 'disconnectDevice'; deviceId: string; reason: DisconnectReason }
  | { op: 'metrics' }
  | { op: 'close' };

export type CallResult = Presence[] | number | string | null;

/**
 * The answer for a batch, from whoever committed it (the main thread, or a partition's thread). `retry`: the
 * infrastructure failed (store/errors.ts), so the broker sends the batch again instead of failing its messages.
 */
export type Committed = { t: 'committed'; batch: number; error?: string; retry?: boolean };

export type ToWorker = Committed | { t: 'call'; id: number; call: Call };

export type FromWorker =
  | { t: 'listening'; addresses: ListenAddresses }
  /** code / port: a listener could not bind (EADDRINUSE, EACCES, EADDRNOTAVAIL), for main.ts's one-line message. */
  | { t: 'failed'; error: string; code?: string; port?: number; address?: string }
  | { t: 'batch'; batch: number; messages: WireMessage[] }
  | { t: 'presence'; write: PresenceWrite }
  | { t: 'event'; presence: PresenceEvent }
  | { t: 'denied'; code: string }
  | { t: 'reply'; id: number; result?: CallResult; error?: string };
