/** County overview, row 2: what needs attention now, per community. */
import { bargaugePanel, COMMUNITY_NAMES_QUERY, influx, openAlarms, steps, tablePanel, type RowSpec } from '../common.js';

export function operationsRow(): RowSpec {
  const open = bargaugePanel({
    title: 'dash.openAlarms',
    description:
      'Alarms not yet resolved (open or acknowledged), whatever the time range: every rule, every severity. ' +
      'Operators acknowledge and resolve them in the gatewatch API.',
    unit: 'short',
    w: 8,
    thresholds: steps('green', [1, 'orange']),
    targets: [influx('A', openAlarms([], ['community'])).alias('$tag_community')],
  }).min(0);

  const flagged = bargaugePanel({
    title: 'dash.flaggedPerCommunity',
    description:
      'Open device-health alarms per community, whatever the time range: devices silent for too long, reporting offline, or faulty. ' +
      'Their data are "no data" in the checklist until they report again.',
    unit: 'short',
    w: 8,
    thresholds: steps('green', [1, 'red']),
    targets: [influx('A', openAlarms([`"rule" = 'device-health'`], ['community'])).alias('$tag_community')],
  }).min(0);

  const offline = bargaugePanel({
    title: 'dash.offlinePerCommunity',
    description: 'Devices whose last status in the time range said offline, per community (a silent device is in "Devices flagged").',
    unit: 'short',
    w: 8,
    thresholds: steps('green', [1, 'red']),
    targets: [
      influx(
        'A',
        'SELECT count("online") FROM (SELECT last("online") AS "online" FROM "device_status" WHERE $timeFilter GROUP BY "community", "device") ' +
          'WHERE "online" = 0 GROUP BY "community"',
      ).alias('$tag_community'),
    ],
  }).min(0);

  // The panels above name communities by id (their series are the points' community tag); this says which is which.
  const names = tablePanel({
    title: 'dash.communityNames',
    description:
      'Every community of the registry with its registered name (the latest, after a rename), to read the ids the panels above are labelled with. ' +
      'From the community points the gatewatch service writes from its registry.',
    unit: 'none',
    w: 24,
    h: 6,
    targets: [influx('A', COMMUNITY_NAMES_QUERY).resultFormat('table')],
  });

  return { title: 'dash.row.operations', panels: [open, flagged, offline, names] };
}
