/**
 * Pure mapping of checklist scores to InfluxDB line protocol, for the county
 * overview (dashboards/county). Built with the client's `Point`, like
 * points.ts; the schema is documented in ./README.md ("Checklist scores").
 *
 * - `checklist_score`: one point per community, local day and stage: the
 *   total. `checklist_item`: one per item of it.
 * - stage `telemetry`: what telemetry alone fills for that day (scoreItems of
 *   services/scoring over a one-day window, auto and assisted items, at most
 *   57 of the 100 points, so it never passes or fails by itself).
 *   stage `inspection`: an inspector's total (totalInspection), out of 100;
 *   under 60 fails (不合格).
 * - A point sits at local midnight of the day scored; recomputing the same
 *   day overwrites it. So every point of a stage always carries the same
 *   fields: a missing score is `score=0` with `scored=0i`, never a left-out
 *   field (InfluxDB keeps a left-out field's old value on overwrite).
 */
import { Point } from '@influxdata/influxdb-client';
import type { InspectionTotal } from '../scoring/inspection.js';
import type { ItemScore } from '../scoring/types.js';
import { dayStart, isDay } from '../time/local-day.js';

export type ChecklistStage = 'telemetry' | 'inspection';

/** Nanoseconds of local midnight of `day` (YYYY-MM-DD) in the community's IANA zone. */
export function localMidnightNanos(day: string, timeZone: string): string {
  if (!isDay(day)) throw new RangeError(`day must be YYYY-MM-DD, got "${day}"`);
  return (BigInt(dayStart(day, timeZone)) * 1_000_000n).toString();
}

/** Ids and slugs only; same cleaning as points.ts (no control characters, no backslash in a tag). */
const cleanTag = (value: string): string => value.replace(/[\r\n\t\f\v]/g, ' ').replace(/\\/g, '/');
const flag = (value: boolean): number => (value ? 1 : 0);

interface Fields {
  floats: Record<string, number>;
  ints: Record<string, number>;
  strings?: Record<string, string>;
}

function line(measurement: string, tags: Record<string, string>, fields: Fields, time: string): string {
  const point = new Point(measurement);
  for (const [k, v] of Object.entries(tags)) point.tag(k, cleanTag(v));
  for (const [k, v] of Object.entries(fields.floats)) point.floatField(k, v);
  for (const [k, v] of Object.entries(fields.ints)) point.intField(k, v);
  for (const [k, v] of Object.entries(fields.strings ?? {})) point.stringField(k, v.replace(/[\r\n\t\f\v]/g, ' '));
  const lp = point.timestamp(time).toLineProtocol();
  if (lp === undefined) throw new Error(`${measurement} point has no fields`);
  return lp;
}

/**
 * Telemetry's sub-scores of one community for one local day (the ItemScores
 * of scoreItems with window { from: day, to: day }): a total and one point per item.
 */
export function telemetryScoreToLines(
  communityId: string,
  day: string,
  itemScores: readonly ItemScore[],
  timeZone: string,
): string[] {
  const time = localMidnightNanos(day, timeZone);
  const tags = { community: communityId, stage: 'telemetry' };
  const scored = itemScores.filter((s) => s.score !== null);
  const total = line(
    'checklist_score',
    tags,
    {
      floats: { total: scored.reduce((sum, s) => sum + (s.score ?? 0), 0), max: itemScores.reduce((sum, s) => sum + s.points, 0) },
      ints: { scored_items: scored.length, insufficient_items: itemScores.length - scored.length },
    },
    time,
  );
  const items = itemScores.map((s) =>
    line(
      'checklist_item',
      { ...tags, item: s.itemId, fill: s.fill },
      { floats: { score: s.score ?? 0, points: s.points }, ints: { scored: flag(s.score !== null), proposed: flag(s.proposed) }, strings: { status: s.status } },
      time,
    ),
  );
  return [total, ...items];
}

/** An inspector's total for one community and inspection date: out of 100, passed when >= 60. */
export function inspectionToLines(
  communityId: string,
  day: string,
  inspection: InspectionTotal,
  timeZone: string,
): string[] {
  const time = localMidnightNanos(day, timeZone);
  const tags = { community: communityId, stage: 'inspection' };
  const total = line(
    'checklist_score',
    tags,
    {
      floats: { total: inspection.total, max: inspection.items.reduce((sum, i) => sum + i.points, 0) },
      ints: {
        passed: flag(inspection.passed),
        complete: flag(inspection.complete),
        missing_items: inspection.missing.length,
        unconfirmed_items: inspection.unconfirmed.length,
      },
    },
    time,
  );
  const items = inspection.items.map((i) =>
    line(
      'checklist_item',
      { ...tags, item: i.itemId, fill: i.fill },
      { floats: { score: i.final ?? 0, points: i.points }, ints: { scored: flag(i.final !== null) }, strings: { source: i.source } },
      time,
    ),
  );
  return [total, ...items];
}
