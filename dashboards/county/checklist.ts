/** County overview, row 1: checklist scores across communities. */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PASS_MARK, TODAY, byLocalDay, influx, statPanel, steps, tablePanel, timeseriesPanel, type RowSpec } from '../common.js';

const INSPECTION = `"stage" = 'inspection'`;
const TELEMETRY = `"stage" = 'telemetry'`;

const passFail: dashboard.ValueMapping = {
  type: dashboard.MappingType.ValueToText,
  options: { '0': { text: 'fail (不合格)', color: 'red' }, '1': { text: 'pass', color: 'green' } },
};

export function checklistRow(): RowSpec {
  const ranked = tablePanel({
    title: 'dash.latestScore',
    description:
      `Each community's most recent inspection total in the time range (100-point checklist), best first. Under ${PASS_MARK} ` +
      'fails (不合格) and starts a rectification period.',
    unit: 'none',
    w: 12,
    h: 10,
    thresholds: steps('red', [PASS_MARK, 'green']),
    targets: [
      influx('A', `SELECT last("total") AS "total", last("passed") AS "passed" FROM "checklist_score" WHERE ${INSPECTION} AND $timeFilter GROUP BY "community"`).resultFormat(
        'table',
      ),
    ],
  })
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('total').desc(true)])
    .overrideByName('total', [{ id: 'custom.cellOptions', value: { type: common.TableCellDisplayMode.ColorBackground } }])
    .overrideByName('passed', [{ id: 'mappings', value: [passFail] }])
    .overrideByName('Time', [{ id: 'custom.hidden', value: true }]);

  const fails = statPanel({
    title: 'dash.communitiesFailing',
    description: `Communities whose latest inspection in the time range scored under ${PASS_MARK} (不合格).`,
    unit: 'short',
    w: 4,
    h: 10,
    thresholds: steps('green', [1, 'red']),
    targets: [
      influx(
        'A',
        `SELECT count("passed") FROM (SELECT last("passed") AS "passed" FROM "checklist_score" WHERE ${INSPECTION} AND $timeFilter GROUP BY "community") WHERE "passed" = 0`,
      ),
    ],
  }).noValue('0');

  const failsPerDay = timeseriesPanel({
    title: 'dash.failsPerDay',
    description: `Inspections scoring under ${PASS_MARK}, per local day (Asia/Shanghai).`,
    unit: 'short',
    w: 8,
    h: 10,
    targets: [influx('A', `SELECT count("total") FROM "checklist_score" WHERE ${INSPECTION} AND "passed" = 0 AND $timeFilter ${byLocalDay()}`).alias('failed')],
  })
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(60)
    .min(0);

  const telemetry = tablePanel({
    title: 'dash.telemetryToday',
    description:
      'What telemetry alone fills of today\'s checklist per community (auto and assisted items: score of max), and how many ' +
      'items had insufficient data (silent devices). Not a pass or fail: the manual items are the inspector\'s.',
    unit: 'none',
    w: 24,
    timeFrom: TODAY,
    targets: [
      influx(
        'A',
        `SELECT last("total") AS "score", last("max") AS "max", last("insufficient_items") AS "insufficient items" FROM "checklist_score" WHERE ${TELEMETRY} AND $timeFilter GROUP BY "community"`,
      ).resultFormat('table'),
    ],
  })
    .sortBy([new common.TableSortByFieldStateBuilder().displayName('score').desc(true)])
    .overrideByName('Time', [{ id: 'custom.hidden', value: true }]);

  return { title: 'dash.row.checklist', panels: [ranked, fails, failsPerDay, telemetry] };
}
