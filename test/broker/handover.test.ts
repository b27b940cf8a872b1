/**
 * The broker thread's handover to ingest: batches at the end of a loop turn,
 * at most two unanswered (what arrives meanwhile is the next batch), callbacks
 * only when the main thread answers for that batch, a failed batch
 * acknowledged to no one, and the count of waiting messages (the overload
 * signal).
 */
import { describe, expect, it } from 'vitest';
import { createHandover } from '../../services/broker/handover.js';
import type { WireMessage } from '../../services/broker/thread-protocol.js';

function setup(maxBatch: number) {
  const sent: { batch: number; topics: string[]; messages: WireMessage[] }[] = [];
  const events: string[] = [];
  const handover = createHandover({ maxBatch, send: (batch, messages) => void sent.push({ batch, topics: messages.map((m) => m.topic), messages }), now: () => 42 });
  const append = (topic: string) => handover.append('c1', topic, Buffer.from(`{"t":"${topic}"}`), 1, (err) => events.push(`${topic}:${err ? err.message : 'ok'}`));
  return { handover, sent, events, append };
}

describe('handover', () => {
  it('sends at the end of the loop turn, at most two batches unanswered, and completes messages only when their batch committed', async () => {
    const { handover, sent, events, append } = setup(3);
    for (const t of ['a', 'b', 'c', 'd']) append(t);
    expect(sent).toEqual([]);
    await new Promise((r) => setImmediate(r));
    // At most maxBatch (3) a batch, in order.
    expect(sent.map((s) => [s.batch, s.topics])).toEqual([[1, ['a', 'b', 'c']], [2, ['d']]]);
    expect(sent[0]!.messages[0]).toEqual({ receivedAt: 42, clientId: 'c1', topic: 'a', payload: new Uint8Array(Buffer.from('{"t":"a"}')), qos: 1 });
    // Two batches unanswered: what arrives now waits for an answer (group commit across the threads).
    append('e');
    append('f');
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(2);
    expect(events).toEqual([]);
    expect(handover.waiting()).toBe(6);

    handover.settled(2);
    expect(events).toEqual(['d:ok']);
    expect(sent.map((s) => [s.batch, s.topics])).toEqual([[1, ['a', 'b', 'c']], [2, ['d']], [3, ['e', 'f']]]);
    handover.settled(1, 'disk I/O error');
    expect(events).toEqual(['d:ok', 'a:disk I/O error', 'b:disk I/O error', 'c:disk I/O error']);
    // Answered once: a repeated answer changes nothing.
    handover.settled(1);
    expect(events).toHaveLength(4);
    expect(handover.waiting()).toBe(2);
    handover.settled(3);
    expect(events).toEqual(['d:ok', 'a:disk I/O error', 'b:disk I/O error', 'c:disk I/O error', 'e:ok', 'f:ok']);
    expect(handover.waiting()).toBe(0);
  });

  it('copies each payload out of the socket chunk it was read from', async () => {
    const { sent, handover } = setup(1);
    const chunk = Buffer.from('xx{"a":1}yy');
    handover.append('c1', 't', chunk.subarray(2, 9), 0, () => {});
    chunk.fill(0);
    handover.settled(0); // unknown batch: ignored
    await new Promise((r) => setImmediate(r));
    expect(Buffer.from(sent[0]!.messages[0]!.payload).toString()).toBe('{"a":1}');
    expect(sent[0]!.messages[0]!.payload.byteLength).toBe(7);
  });
});
