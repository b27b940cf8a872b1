/**
 * Starting components in isolation: each starts in order; if one throws,
 * the ones already started are stopped in reverse order (each in isolation,
 * stop.ts) and the start rejects with a StartError naming the component, so
 * a failed start never leaves a broker thread, a timer or an open database
 * behind. A started set stops in reverse start order.
 */
import type { Logger } from '../observability/logger.js';
import { stopInOrder, type StopError } from './stop.js';

export type Stop = () => void | Promise<void>;

export interface Component {
  /** The component, as logs and errors name it. */
  name: string;
  /**
   * Starts it and returns how to stop it (removing whatever it registered or
   * subscribed). A start that throws leaves nothing of its own running.
   */
  start: () => Stop | Promise<Stop>;
}

export class StartError extends Error {
  constructor(
    /** The component whose start threw. */
    readonly component: string,
    cause: unknown,
    /** Set when stopping the components started before it failed too. */
    readonly stopError?: StopError,
  ) {
    super(`starting failed at ${component}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export interface Started {
  /** Stops every component, in reverse start order, each in isolation; calling it again waits for the same stop. */
  stop(): Promise<void>;
}

export async function startInOrder(components: readonly Component[], logger: Logger): Promise<Started> {
  const started: { name: string; stop: Stop }[] = [];
  const stopStarted = () => stopInOrder([...started].reverse(), logger);
  for (const c of components) {
    try {
      started.push({ name: c.name, stop: await c.start() });
    } catch (error) {
      logger.error({ err: error, component: c.name }, 'component failed to start; stopping the ones started');
      const stopError = await stopStarted().then(() => undefined, (e: unknown) => e as StopError);
      throw new StartError(c.name, error, stopError);
    }
  }
  let stopping: Promise<void> | undefined;
  return { stop: () => (stopping ??= stopStarted()) };
}
