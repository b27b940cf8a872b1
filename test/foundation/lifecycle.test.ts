/** Components stop in order and in isolation: one that throws does not keep the others running. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { stopInOrder, StopError } from '../../services/lifecycle/stop.js';
import { createLogger } from '../../services/observability/logger.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', sink), lines };
}

describe('stopInOrder', () => {
  it('runs every step in order, past a throw and a rejection, then rejects naming both', async () => {
    const { logger, lines } = capturingLogger();
    const ran: string[] = [];
    const result = stopInOrder(
      [
        { name: 'http', stop: () => void ran.push('http') },
        { name: 'broker', stop: () => { ran.push('broker'); throw new Error('worker gone'); } },
        { name: 'influx', stop: async () => { ran.push('influx'); throw new Error('flush refused'); } },
        { name: 'database', stop: () => void ran.push('database') },
      ],
      logger,
    );
    const error = await result.then(() => null, (e: unknown) => e);
    expect(ran).toEqual(['http', 'broker', 'influx', 'database']);
    expect(error).toBeInstanceOf(StopError);
    expect((error as StopError).message).toBe('stopping failed for broker, influx');
    expect((error as StopError).failed.map((f) => [f.name, (f.error as Error).message])).toEqual([
      ['broker', 'worker gone'],
      ['influx', 'flush refused'],
    ]);
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.component, l.msg, (l.err as { message: string }).message])).toEqual([
      ['broker', 'component failed to stop; stopping the others', 'worker gone'],
      ['influx', 'component failed to stop; stopping the others', 'flush refused'],
    ]);
  });

  it('resolves when every step stops', async () => {
    const ran: string[] = [];
    await stopInOrder([{ name: 'a', stop: async () => void ran.push('a') }, { name: 'b', stop: () => void ran.push('b') }], createLogger('silent'));
    expect(ran).toEqual(['a', 'b']);
  });
});
