/**
 * Half-open time intervals [start, end) in ms, kept sorted and disjoint.
 * Minutes in facts (staffed, silent, open...) are measured with these.
 */

export type Interval = readonly [number, number];

/** Sort and merge overlapping or touching intervals; drops empty ones. */
export function union(list: readonly Interval[]): Interval[] {
  const sorted = list.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export function clip(list: readonly Interval[], start: number, end: number): Interval[] {
  const out: Interval[] = [];
  for (const [s, e] of list) {
    const a = Math.max(s, start);
    const b = Math.min(e, end);
    if (b > a) out.push([a, b]);
  }
  return out;
}

/** Intersection of two unions. */
export function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [as, ae] = a[i] as Interval;
    const [bs, be] = b[j] as Interval;
    const s = Math.max(as, bs);
    const e = Math.min(ae, be);
    if (e > s) out.push([s, e]);
    if (ae < be) i++;
    else j++;
  }
  return out;
}

/** Parts of `a` not in `b` (both unions). */
export function subtract(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s0, e] of a) {
    let s = s0;
    for (const [bs, be] of b) {
      if (be <= s || bs >= e) continue;
      if (bs > s) out.push([s, bs]);
      s = Math.max(s, be);
      if (s >= e) break;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}

export function total(list: readonly Interval[]): number {
  return list.reduce((sum, [s, e]) => sum + (e - s), 0);
}
