/**
 * npm run demo printed MaxListenersExceededWarning: live play sleeps once per
 * message on one AbortSignal and each sleep left its abort listener behind.
 * Now the count stays at zero between sleeps, and aborting still wakes one.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../devices-sim/player.js';

describe('player sleep', () => {
  it('leaves no abort listener behind, however many times it sleeps on one signal', async () => {
    const abort = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    for (let i = 0; i < 50; i++) await sleep(0, abort.signal);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    expect(warnings).toEqual([]);
  });

  it('an abort still ends a sleep at once, and removes its listener', async () => {
    const abort = new AbortController();
    const pending = sleep(3_600_000, abort.signal);
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(1);
    abort.abort();
    await pending;
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });
});
