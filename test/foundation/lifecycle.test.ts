/**
 * Components start and stop in order and in isolation: one that throws does not keep the others
 * running; a failed start stops what started, in reverse. The real runtime: lifecycle-runtime.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { stopInOrder, StopError } from '../../services/lifecycle/stop.js';
import { startInOrder, StartError, type Component } from '../../services/lifecycle/start.js';
import { createLogger } from '../../services/observability/logger.js';
import { capturingLogger } from '../support/logs.js';


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

describe('startInOrder', () => {
  /** A component that records its start and stop in `ran`, throwing where told. */
  function component(name: string, ran: string[], fail: { start?: boolean; stop?: boolean } = {}): Component {
    return {
      name,
      start: async () => {
        ran.push(`start ${name}`);
        if (fail.start) throw new Error(`${name} cannot start`);
        return () => {
          ran.push(`stop ${name}`);
          if (fail.stop) throw new Error(`${name} cannot stop`);
        };
      },
    };
  }

  it('a throw in one start stops the started ones in reverse and names the failed one; later ones never start', async () => {
    const { logger, lines } = capturingLogger();
    const ran: string[] = [];
    const error = await startInOrder(
      [component('database', ran), component('ingest', ran), component('broker', ran, { start: true }), component('http', ran)],
      logger,
    ).then(() => null, (e: unknown) => e);
    expect(ran).toEqual(['start database', 'start ingest', 'start broker', 'stop ingest', 'stop database']);
    expect(error).toBeInstanceOf(StartError);
    expect((error as StartError).component).toBe('broker');
    expect((error as StartError).message).toBe('starting failed at broker: broker cannot start');
    expect(((error as StartError).cause as Error).message).toBe('broker cannot start');
    expect((error as StartError).stopError).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.component, l.msg])).toEqual([['broker', 'component failed to start; stopping the ones started']]);
  });

  it('a throw while stopping the started ones does not skip the rest; the StartError carries it', async () => {
    const ran: string[] = [];
    const error = (await startInOrder(
      [component('database', ran), component('influx', ran, { stop: true }), component('webhooks', ran), component('http', ran, { start: true })],
      createLogger('silent'),
    ).catch((e: unknown) => e)) as StartError;
    expect(ran).toEqual(['start database', 'start influx', 'start webhooks', 'start http', 'stop webhooks', 'stop influx', 'stop database']);
    expect(error.component).toBe('http');
    expect(error.stopError).toBeInstanceOf(StopError);
    expect(error.stopError!.failed.map((f) => [f.name, (f.error as Error).message])).toEqual([['influx', 'influx cannot stop']]);
  });

  it('a started set stops in reverse start order, past a throw, once however often it is asked', async () => {
    const ran: string[] = [];
    const started = await startInOrder([component('a', ran), component('b', ran, { stop: true }), component('c', ran)], createLogger('silent'));
    const [first, second] = await Promise.all([started.stop().catch((e: unknown) => e), started.stop().catch((e: unknown) => e)]);
    expect(ran).toEqual(['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    expect(first).toBe(second);
    expect((first as StopError).message).toBe('stopping failed for b');
  });
});
