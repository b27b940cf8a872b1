/**
 * Community dashboard, row 2: who is at the gates and who comes in. Running
 * counts (attendants on duty, contractors on site) are start/end and in/out
 * events summed from a day before the range, so a night shift that began
 * yesterday is on duty at midnight.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  COMMUNITY, PLAN, TODAY, bargaugePanel, influx, stateTimelinePanel, statPanel, steps, timeseriesPanel, type RowSpec,
} from '../common.js';

/** The range widened by a day back, for running counts. */
const WIDE = 'time >= ${__from}ms - 1d AND time <= ${__to}ms';

/** +1 per `plus` event, -1 per `minus` event, summed from a day before the range; grouped by `tags`. */
function runningCount(measurement: string, where: string[], plus: string, minus: string, tags: string[]): string {
  const by = ['time($__interval)', ...tags.map((t) => `"${t}"`)].join(', ');
  const part = (cond: string, sign: string) =>
    `(SELECT count("seq")${sign} AS "d" FROM "${measurement}" WHERE ${[COMMUNITY, ...where, cond, WIDE].join(' AND ')} GROUP BY ${by})`;
  return `SELECT cumulative_sum(sum("d")) FROM ${part(plus, '')}, ${part(minus, ' * -1')} WHERE ${WIDE} GROUP BY ${by} fill(0)`;
}

export function entriesRow(): RowSpec {
  const staffing = stateTimelinePanel({
    title: 'dash.gateStaffing',
    description:
      'Attendants on duty at each gate, from shift start/end events (plan 三(三): every gate attended 24 hours). ' +
      '0 (red) is an unstaffed gate. Counted from a day before the range, so a shift longer than a day, or one whose ' +
      'start was never reported, shows wrong; the rules engine\'s verdict is "Unstaffed minutes today".',
    unit: 'short',
    w: 16,
    thresholds: steps('red', [1, 'green']),
    targets: [influx('A', runningCount('shift', [], `"event" = 'start'`, `"event" = 'end'`, ['gate'])).alias('$tag_gate')],
  });

  const unstaffed = bargaugePanel({
    title: 'dash.unstaffedToday',
    description:
      'Minutes of today each gate had no attendant, as the rules engine counts them (daily fact gate-staffed, recomputed every minute). ' +
      'Anything above 0 fails checklist item 3.1 and costs points in 3.3.',
    unit: 'm',
    w: 8,
    timeFrom: TODAY,
    thresholds: steps('green', [1, 'red']),
    targets: [
      influx('A', `SELECT last("unstaffedMinutes") FROM "daily_fact" WHERE ${COMMUNITY} AND "rule" = 'gate-staffed' AND $timeFilter GROUP BY "gate"`).alias('$tag_gate'),
    ],
  });

  const checked = statPanel({
    title: 'dash.fullyChecked',
    description:
      'Share of entries (direction in, allowed) at each gate with all three checks done: temperature, identity, itinerary ' +
      '(plan 三(三) 一测二问三核查). Anything under 100 % fails checklist item 3.1.',
    unit: 'percentunit',
    w: 8,
    thresholds: steps('red', [1, 'green']),
    targets: [
      influx('A', `SELECT mean("fully_checked") FROM "access" WHERE ${COMMUNITY} AND "direction" = 'in' AND "decision" = 'allowed' AND $timeFilter GROUP BY "gate"`).alias('$tag_gate'),
    ],
  }).decimals(1);

  const couriers = statPanel({
    title: 'dash.couriers',
    description:
      'Courier and food-delivery entries in the time range: "allowed" is a rider let in (a violation, plan 三(三), item 3.2), ' +
      '"denied" a rider turned away to the hand-over point.',
    unit: 'short',
    w: 8,
    thresholds: steps('green', [1, 'red']),
    targets: [
      influx(
        'A',
        `SELECT count("seq") FROM "access" WHERE ${COMMUNITY} AND "direction" = 'in' AND "role" =~ /^(courier|food_delivery)$/ AND $timeFilter GROUP BY "decision"`,
      ).alias('$tag_decision'),
    ],
  }).overrideByName('denied', [{ id: 'color', value: { mode: 'fixed', fixedColor: 'blue' } }]);

  const contractors = timeseriesPanel({
    title: 'dash.contractors',
    description:
      `Construction and renovation workers inside the community (allowed entries minus exits), counted from a day before the range. ` +
      `At most ${PLAN.contractorsMaxOnSite} at once (plan 三(六)): the dashed lines mark the limit and the first count over it.`,
    unit: 'short',
    w: 8,
    thresholds: steps('green', [PLAN.contractorsMaxOnSite, 'orange'], [PLAN.contractorsMaxOnSite + 1, 'red']),
    targets: [
      influx(
        'A',
        runningCount('access', [`"role" = 'contractor'`, `"decision" = 'allowed'`], `"direction" = 'in'`, `"direction" = 'out'`, []),
      ).alias('on site'),
    ],
  })
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed))
    .lineInterpolation(common.LineInterpolation.StepAfter)
    .min(0);

  return { title: 'dash.row.entries', panels: [staffing, unstaffed, checked, couriers, contractors] };
}
