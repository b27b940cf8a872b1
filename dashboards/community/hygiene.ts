/** Community dashboard, row 3: public-area disinfection against the 2 a day, and ventilation. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { COMMUNITY, LAST_7_DAYS, PLAN, TODAY, bargaugePanel, byLocalDay, influx, steps, timeseriesPanel, type RowSpec } from '../common.js';

const validChlorine = `"agent" = 'chlorine' AND "concentration_mg_per_l" >= ${PLAN.chlorineMinMgPerL} AND "concentration_mg_per_l" <= ${PLAN.chlorineMaxMgPerL}`;

export function hygieneRow(): RowSpec {
  const required = PLAN.disinfectionsPerDay;
  const disinfection = bargaugePanel({
    title: 'dash.disinfectionToday', titleParams: { required },
    description:
      `Valid public-area spraying sessions today (local day, Asia/Shanghai) per area: chlorine ${PLAN.chlorineMinMgPerL}–${PLAN.chlorineMaxMgPerL} mg/L ` +
      `inclusive; a session outside that range does not count (plan 三(四)1, 3). Red below ${required}, green from ${required}. ` +
      'Areas that had a session in the last 7 days and none today show 0.',
    unit: 'short',
    w: 12,
    timeFrom: LAST_7_DAYS,
    thresholds: steps('red', [required, 'green']),
    targets: [
      influx('A', `SELECT count("duration_s") FROM "disinfection" WHERE ${COMMUNITY} AND "target" = 'area' AND ${validChlorine} AND $timeFilter ${byLocalDay('area')}`).alias(
        '$tag_area',
      ),
    ],
  })
    .min(0)
    .max(required * 2);

  const periods = bargaugePanel({
    title: 'dash.ventilationToday', titleParams: { required: PLAN.ventilationsPerDay },
    description:
      `Ventilation periods of at least ${PLAN.ventilationMinMinutes} minutes today per indoor public area (plan 三(四)4: twice a day ` +
      `or more, ${PLAN.ventilationMinMinutes} minutes or more each), as the rules engine counts them (daily fact ventilation, ` +
      'recomputed every minute), so an area of the community with none yet shows 0.',
    unit: 'short',
    w: 12,
    timeFrom: TODAY,
    thresholds: steps('red', [PLAN.ventilationsPerDay, 'green']),
    targets: [
      influx('A', `SELECT last("validPeriods") FROM "daily_fact" WHERE ${COMMUNITY} AND "rule" = 'ventilation' AND $timeFilter GROUP BY "area"`).alias('$tag_area'),
    ],
  })
    .min(0)
    .max(PLAN.ventilationsPerDay * 2);

  const minutes = timeseriesPanel({
    title: 'dash.ventilationMinutes',
    description:
      'Total ventilation per area per local day (every period, including the 15–20 minutes after each disinfection session, plan 三(四)1).',
    unit: 'm',
    w: 24,
    targets: [
      influx('A', `SELECT sum("duration_s") / 60 FROM "ventilation" WHERE ${COMMUNITY} AND $timeFilter ${byLocalDay('area')}`).alias('$tag_area'),
    ],
  })
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(60)
    .min(0);

  return { title: 'dash.row.hygiene', panels: [disinfection, periods, minutes] };
}
