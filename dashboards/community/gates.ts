/** Community dashboard, row 1: gate temperatures, fevers and fever alarms. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import { COMMUNITY, PLAN, influx, statPanel, steps, tablePanel, timeseriesPanel, type RowSpec } from '../common.js';

const plausible = `"temperature_c" >= ${PLAN.plausibleMinC} AND "temperature_c" <= ${PLAN.plausibleMaxC}`;

export function gatesRow(): RowSpec {
  const temperatures = timeseriesPanel({
    title: 'dash.gateTemperatures',
    description:
      `Highest body temperature measured at each gate per interval (readings ${PLAN.plausibleMinC}–${PLAN.plausibleMaxC} °C; ` +
      `outside that range is a device fault, see Devices). The red line is the fever threshold: above ${PLAN.feverAboveC} °C ` +
      `is a fever, exactly ${PLAN.feverAboveC} is not (plan 三(三), 三(七)).`,
    unit: 'celsius',
    w: 16,
    thresholds: steps('green', [PLAN.feverAboveC, 'red']),
    targets: [
      influx(
        'A',
        `SELECT max("temperature_c") FROM "temperature" WHERE ${COMMUNITY} AND ${plausible} AND $timeFilter GROUP BY time($__interval), "gate" fill(none)`,
      ).alias('$tag_gate'),
    ],
  })
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.DashedAndArea))
    .drawStyle(common.GraphDrawStyle.Line)
    .showPoints(common.VisibilityMode.Always)
    .spanNulls(false)
    .axisSoftMin(35.5)
    .axisSoftMax(38.5);

  const fevers = statPanel({
    title: 'dash.fevers',
    description: `Readings above ${PLAN.feverAboveC} °C (and at most ${PLAN.plausibleMaxC} °C) at any gate of the community in the time range. Each is reported at once as a fever alarm.`,
    unit: 'short',
    w: 8,
    thresholds: steps('green', [1, 'red']),
    targets: [
      influx(
        'A',
        `SELECT count("temperature_c") FROM "temperature" WHERE ${COMMUNITY} AND "temperature_c" > ${PLAN.feverAboveC} AND "temperature_c" <= ${PLAN.plausibleMaxC} AND $timeFilter`,
      ),
    ],
  }).noValue('0');

  const alarms = tablePanel({
    title: 'dash.feverAlarms',
    description:
      'Fever and staff-fever alarm events of the community in the time range: opened, repeated, acknowledged, resolved. ' +
      'Acknowledge and resolve them in the gatewatch API (/api/v1/alarms); persons are never shown here (pseudonymous refs stay in gatewatch).',
    unit: 'none',
    w: 24,
    targets: [
      influx(
        'A',
        `SELECT "alarm_id", "rule"::tag, "event"::tag, "severity"::tag, "occurrences", "title" FROM "alarm" WHERE ${COMMUNITY} AND "rule" =~ /^(fever|staff-fever)$/ AND $timeFilter`,
      ).resultFormat('table'),
    ],
  }).sortBy([new common.TableSortByFieldStateBuilder().displayName('Time').desc(true)]);

  return { title: 'dash.row.gates', panels: [temperatures, fevers, alarms] };
}
