import { describe, expect, it } from 'vitest';
import { addDays, dayBounds, localDay } from '../../services/time/local-day.js';
import { at } from './fixtures.js';

describe('local days (Intl, no deps)', () => {
  it.each([
    ['23:59:59', '2021-02-02', 'Asia/Shanghai', '2021-02-02'],
    ['00:00:00', '2021-02-03', 'Asia/Shanghai', '2021-02-03'],
    // 07:59:59 +08:00 is 23:59:59 UTC of the day before.
    ['07:59:59', '2021-02-03', 'UTC', '2021-02-02'],
    ['08:00:00', '2021-02-03', 'UTC', '2021-02-03'],
  ])('%s local on %s is %s in %s -> %s', (time, day, tz, expected) => {
    expect(localDay(at(time, day), tz)).toBe(expected);
  });

  it('23:59:59 and 00:00:00 local are different days, one second apart', () => {
    const a = at('23:59:59', '2021-02-02');
    const b = at('00:00:00', '2021-02-03');
    expect(b - a).toBe(1000);
    expect(localDay(a, 'Asia/Shanghai')).not.toBe(localDay(b, 'Asia/Shanghai'));
  });

  it('dayBounds is [local midnight, next local midnight)', () => {
    expect(dayBounds('2021-02-03', 'Asia/Shanghai')).toEqual([Date.parse('2021-02-02T16:00:00Z'), Date.parse('2021-02-03T16:00:00Z')]);
    // A DST day elsewhere is 23 hours long.
    const [s, e] = dayBounds('2021-03-14', 'America/New_York');
    expect([s, e - s]).toEqual([Date.parse('2021-03-14T05:00:00Z'), 23 * 3_600_000]);
  });

  it('addDays crosses months', () => {
    expect(addDays('2021-02-28', 1)).toBe('2021-03-01');
    expect(addDays('2021-03-01', -1)).toBe('2021-02-28');
  });
});
