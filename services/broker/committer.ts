/**
 * The committing side of the handover (handover.ts is the broker's side): batches of device messages
 * are processed, one transaction each, and every batch is answered committed, failed, or "retry".
 * The main thread runs it for the broker thread (thread.ts) with one partition; with more, each
 * partition's thread runs it over its own MessagePort to the broker (services/partitions/worker.ts).
 */
import type { Logger } from '../observability/logger.js';
import { isBusyError, isInfrastructureError } from '../store/errors.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import type { Committed, WireMessage } from './thread-protocol.js';

/** How often queued batches look again whether the processors caught up. */
const PROCESSORS_WAIT_MS = 2;

export interface CommitterDeps {
  /** Processes one batch in one transaction; throws when nothing of it was committed. */
  process: (messages: ReceivedMessage[]) => void;
  /**
   * False while what was journaled waits for its processors beyond a bound (ingest.ts `backlogged`): queued
   * batches then wait (their PUBACKs with them, and the broker sheds QoS 0 on its backlog signal), so the journal
   * never runs ahead of the alarms by more than the bound.
   */
  mayProcess?: () => boolean;
  /** The answer for a batch, to the broker thread. */
  answer: (m: Committed) => void;
  logger: Logger;
}

export function createCommitter(deps: CommitterDeps) {
  const log = deps.logger;
  /**
   * Batches are queued here and processed from setImmediate, not inside the
   * 'message' handler: Node delivers up to 1,000 port messages per wake-up,
   * and a batch answered there was followed by the next one within the same
   * wake-up, so timers and sockets of this thread (webhooks, InfluxDB, HTTP)
   * waited for seconds. Batches queued together commit together.
   */
  let queued: { batch: number; messages: ReceivedMessage[] }[] = [];
  /**
   * After a batch failed for the infrastructure's sake, the lowest number of the failed batches: batches numbered
   * after it are answered "retry" unprocessed until it commits, so that batches sent before the broker learnt of
   * the failure do not commit ahead of it (handover.ts sends the failed ones again, in order).
   */
  let heldAfter: number | undefined;
  /** Waiting for the processors to catch up: queued batches are looked at again shortly. */
  let waitingForProcessors: NodeJS.Timeout | undefined;

  function processQueued(): void {
    if (deps.mayProcess && !deps.mayProcess()) {
      waitingForProcessors ??= setTimeout(() => {
        waitingForProcessors = undefined;
        processQueued();
      }, PROCESSORS_WAIT_MS);
      return;
    }
    const all = queued;
    queued = [];
    const held = heldAfter === undefined ? [] : all.filter((b) => b.batch > heldAfter!);
    const batches = held.length === 0 ? all : all.filter((b) => b.batch <= heldAfter!);
    for (const { batch } of held) deps.answer({ t: 'committed', batch, error: 'held back behind a failed batch', retry: true });
    if (batches.length === 0) return;
    const messages = batches.length === 1 ? batches[0]!.messages : batches.flatMap((b) => b.messages);
    let error: string | undefined;
    let retry = false;
    try {
      deps.process(messages);
    } catch (err) {
      error = (err as Error).message;
      retry = isInfrastructureError(err);
      if (retry) {
        const lowest = Math.min(...batches.map((b) => b.batch));
        heldAfter = Math.min(heldAfter ?? lowest, lowest);
        // Busy is expected while another connection writes (the CLI, a backup): a warning; storage failures are errors.
        const code = (err as { code?: string }).code;
        const fields = { code, error, messages: messages.length };
        if (isBusyError(err)) log.warn(fields, 'ingest batch not committed (database busy): not acknowledged, sent again after a backoff');
        else log.error(fields, 'ingest batch not committed (storage failure): not acknowledged, sent again after a backoff');
      } else {
        log.error({ err, messages: messages.length }, 'ingest batch failed: not acknowledged, devices resend');
      }
    }
    // Answered for good (committed, or failed and not to be sent again): nothing is held behind it any more.
    if (!retry) heldAfter = undefined;
    for (const { batch } of batches) deps.answer(error === undefined ? { t: 'committed', batch } : { t: 'committed', batch, error, retry });
  }

  return {
    /** A batch as the broker thread sent it: its payloads become Buffers over the same memory. */
    onBatch(batch: number, wire: WireMessage[]): void {
      const messages = wire.map((w) => ({ ...w, payload: Buffer.from(w.payload.buffer, w.payload.byteOffset, w.payload.byteLength) }));
      if (queued.push({ batch, messages }) === 1) setImmediate(processQueued);
    },
  };
}

export type Committer = ReturnType<typeof createCommitter>;
