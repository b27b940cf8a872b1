import { describe, expect, it } from 'vitest';
import { createBackoff } from '../../services/processors/backoff.js';

describe('backoff: the wait before a failed step is retried', () => {
  it('the runners’ defaults: 100 ms doubling to 5 s, then 5 s for good', () => {
    const b = createBackoff({ first: 100, max: 5_000 });
    expect([b.first, b.max, b.current]).toEqual([100, 5_000, 0]);
    const waits = Array.from({ length: 9 }, () => b.next());
    expect(waits).toEqual([100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]);
    expect(b.current).toBe(5_000);
  });

  it('a success resets it: the next failure waits `first` again', () => {
    const b = createBackoff({ first: 100, max: 5_000 });
    b.next();
    b.next();
    expect(b.current).toBe(200);
    b.reset();
    expect(b.current).toBe(0);
    expect([b.next(), b.next()]).toEqual([100, 200]);
  });

  it('the broker hand-over’s shape (50 ms doubling to 2 s) is the same sequence with other numbers', () => {
    const b = createBackoff({ first: 50, max: 2_000 });
    expect(Array.from({ length: 8 }, () => b.next())).toEqual([50, 100, 200, 400, 800, 1_600, 2_000, 2_000]);
  });

  it('the first wait is `first` even above `max` (as the runners always did); the next is capped', () => {
    const b = createBackoff({ first: 300, max: 200 });
    expect([b.next(), b.next(), b.next()]).toEqual([300, 200, 200]);
  });

  it('a max that is not a power-of-two multiple of first is reached exactly, not overshot', () => {
    const b = createBackoff({ first: 30, max: 100 });
    expect(Array.from({ length: 4 }, () => b.next())).toEqual([30, 60, 100, 100]);
  });

  it('first 0 never waits (a test’s setting): current stays 0, so there is no "recovered" to report', () => {
    const b = createBackoff({ first: 0, max: 5_000 });
    expect([b.next(), b.next(), b.current]).toEqual([0, 0, 0]);
  });
});
