/**
 * A batch the main thread could not commit for the infrastructure's sake (a locked database, a full disk)
 * is not answered to aedes: it goes back to the head of the queue, keeps its number, and is sent again after
 * a backoff (doubling, bounded), one batch at a time until one commits, before anything newer.
 */
import { describe, expect, it, vi } from 'vitest';
import { createHandover } from '../../services/broker/handover.js';

function setup(maxBatch: number, retry = { firstMs: 20, maxMs: 80 }) {
  const sent: { batch: number; topics: string[]; at: number }[] = [];
  const events: string[] = [];
  const t0 = Date.now();
  const handover = createHandover({ maxBatch, retry, send: (batch, messages) => void sent.push({ batch, topics: messages.map((m) => m.topic), at: Date.now() - t0 }) });
  const append = (topic: string) => handover.append('c1', topic, Buffer.from('{}'), 1, (err) => events.push(`${topic}:${err ? err.message : 'ok'}`));
  return { handover, sent, events, append };
}

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('handover retry', () => {
  it('sends a failed batch again after the backoff, with its number, before newer messages, and answers only when it commits', async () => {
    const { handover, sent, events, append } = setup(2);
    for (const t of ['a', 'b', 'c']) append(t);
    await turn();
    expect(sent.map((s) => [s.batch, s.topics])).toEqual([[1, ['a', 'b']], [2, ['c']]]);

    // Both fail (the database is locked): nobody is answered, nothing is sent at once.
    handover.settled(1, 'database is locked', true);
    handover.settled(2, 'held back behind a failed batch', true);
    append('d');
    await turn();
    expect(events).toEqual([]);
    expect(sent).toHaveLength(2);
    expect(handover.waiting()).toBe(4);

    // After the first backoff (20 ms): batch 1 again, alone (one in flight while recovering).
    await sleep(40);
    expect(sent.map((s) => [s.batch, s.topics])).toEqual([[1, ['a', 'b']], [2, ['c']], [1, ['a', 'b']]]);
    // It fails again: the next wait is twice as long (40 ms).
    handover.settled(1, 'database is locked', true);
    await sleep(25);
    expect(sent).toHaveLength(3);
    await sleep(35);
    expect(sent.map((s) => s.batch)).toEqual([1, 2, 1, 1]);

    // It commits: answered now; then batch 2 again and the newer message's batch 3, in that order.
    handover.settled(1);
    expect(events).toEqual(['a:ok', 'b:ok']);
    expect(sent.map((s) => [s.batch, s.topics]).slice(4)).toEqual([[2, ['c']], [3, ['d']]]);
    handover.settled(2);
    handover.settled(3);
    expect(events).toEqual(['a:ok', 'b:ok', 'c:ok', 'd:ok']);
    expect(handover.waiting()).toBe(0);
  });

  it('doubles the backoff up to its cap, and starts again from the first wait after a commit', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'Date'] });
    try {
      const { handover, sent, append } = setup(10, { firstMs: 10, maxMs: 40 });
      append('a');
      await vi.advanceTimersToNextTimerAsync();
      /** Fails the last batch sent and returns the ms until it is sent again. */
      const failAndWait = async () => {
        const n = sent.length;
        handover.settled(sent.at(-1)!.batch, 'disk full', true);
        while (sent.length === n) await vi.advanceTimersByTimeAsync(1);
        return sent.at(-1)!.at - sent.at(-2)!.at;
      };
      expect([await failAndWait(), await failAndWait(), await failAndWait(), await failAndWait()]).toEqual([10, 20, 40, 40]);
      handover.settled(sent.at(-1)!.batch);
      append('b');
      await vi.advanceTimersToNextTimerAsync();
      expect(sent.at(-1)!.topics).toEqual(['b']);
      expect(await failAndWait()).toBe(10);
      expect(sent.map((s) => s.batch)).toEqual([1, 1, 1, 1, 1, 2, 2]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails the messages of a batch that failed for another reason (not retried), as before', async () => {
    const { handover, sent, events, append } = setup(5);
    append('a');
    await turn();
    handover.settled(1, 'a bug');
    expect(events).toEqual(['a:a bug']);
    await sleep(30);
    expect(sent).toHaveLength(1);
  });

  it('close() cancels a pending backoff: nothing more is sent and nobody is answered', async () => {
    const { handover, sent, events, append } = setup(5);
    append('a');
    await turn();
    handover.settled(1, 'database is locked', true);
    handover.close();
    await sleep(50);
    expect(sent).toHaveLength(1);
    expect(events).toEqual([]);
    expect(handover.waiting()).toBe(1);
  });
});
