/** IPC messages between bench/run.ts and the load generator process (bench/loadgen.ts). */

export interface LoadDevice {
  id: string;
  community: string;
  /** MQTT password (username = id); none for brokers without authentication. */
  secret?: string;
}

export interface ConnectCmd {
  type: 'connect';
  host: string;
  port: number;
  devices: LoadDevice[];
  concurrency: number;
}

export interface StepCmd {
  type: 'step';
  rate: number;
  durationMs: number;
  qos: 0 | 1;
  /** Fever readings per second mixed into the load (each its own person, so each opens an alarm). */
  feverPerS: number;
  /** Most unacknowledged QoS 1 messages per connection. */
  windowPerConn: number;
  /** After the step, how long to wait for outstanding PUBACKs. */
  drainMs: number;
}

export type ToLoadgen = ConnectCmd | StepCmd | { type: 'close' };

export interface StepResult {
  type: 'stepDone';
  rate: number;
  qos: 0 | 1;
  sent: number;
  /** Messages the target rate called for but not sent: window full, socket buffer full or connection closed. */
  skipped: number;
  acked: number;
  unacked: number;
  sendMs: number;
  achievedRate: number;
  ackP50: number;
  ackP99: number;
  /** [person ref, wall-clock send time ms] of each fever reading. */
  fevers: [string, number][];
  startedAt: number;
}

export type FromLoadgen = { type: 'connected'; n: number; ms: number } | StepResult | { type: 'error'; message: string };
