/** Readings as the engine holds them: a leaf of rules/, so state.ts and coverage.ts both import it without a cycle. */
import type { DeviceMessage, MessageKind } from '../../schemas/src/device-messages.js';

type Held<M> = M extends { payload: infer P } ? Omit<M, 'communityId' | 'payload'> & { payload: Omit<P, 'ts'> } : never;

/** A reading as held: the validated message (payload without `ts`) with its journal id and event time (ms). */
export type StoredReading = Held<DeviceMessage> & { readingId: number; eventTime: number };
export type StoredOf<K extends MessageKind> = Extract<StoredReading, { kind: K }>;
