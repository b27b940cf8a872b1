/**
 * Stopping components in isolation: each step runs in order whatever the
 * steps before it did, so a throw in one close() never leaves the rest (the
 * broker, the outboxes, the database) running or unflushed. Every failure is
 * logged with the component's name; if any failed, the stop rejects with all
 * of them at the end.
 */
import type { Logger } from '../observability/logger.js';

export interface StopStep {
  /** The component, as logs name it. */
  name: string;
  stop: () => void | Promise<void>;
}

export class StopError extends AggregateError {
  constructor(readonly failed: readonly { name: string; error: unknown }[]) {
    super(
      failed.map((f) => f.error),
      `stopping failed for ${failed.map((f) => f.name).join(', ')}`,
    );
  }
}

export async function stopInOrder(steps: readonly StopStep[], logger: Logger): Promise<void> {
  const failed: { name: string; error: unknown }[] = [];
  for (const step of steps) {
    try {
      await step.stop();
      logger.debug({ component: step.name }, 'component stopped');
    } catch (error) {
      logger.error({ err: error, component: step.name }, 'component failed to stop; stopping the others');
      failed.push({ name: step.name, error });
    }
  }
  if (failed.length > 0) throw new StopError(failed);
}
