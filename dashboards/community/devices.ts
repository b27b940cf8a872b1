/** Community dashboard, row 4: are the devices reporting? */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { COMMUNITY, influx, openAlarms, stateTimelinePanel, statPanel, steps, type RowSpec } from '../common.js';

export function devicesRow(): RowSpec {
  const online = stateTimelinePanel({
    title: 'dash.deviceOnline',
    description:
      'Each device\'s last reported status per interval (online / offline), carried forward until the next status. ' +
      'A device that simply goes silent sends nothing: that is flagged by the rules engine ("Devices flagged" beside this).',
    unit: 'bool_on_off',
    w: 18,
    thresholds: steps('red', [1, 'green']),
    targets: [
      influx('A', `SELECT last("online") FROM "device_status" WHERE ${COMMUNITY} AND $timeFilter GROUP BY time($__interval), "device" fill(previous)`).alias(
        '$tag_device',
      ),
    ],
  }).mappings([
    {
      type: dashboard.MappingType.ValueToText,
      options: { '0': { text: 'offline', color: 'red' }, '1': { text: 'online', color: 'green' } },
    },
  ]);

  const flagged = statPanel({
    title: 'dash.devicesFlagged',
    description:
      'Open device-health alarms of the community, whatever the time range: devices silent for too long, reporting offline, ' +
      'or faulty (implausible readings, fault status). Their silence is "no data" in every rule, never compliant.',
    unit: 'short',
    w: 6,
    thresholds: steps('green', [1, 'red']),
    targets: [influx('A', openAlarms([COMMUNITY, `"rule" = 'device-health'`], []))],
  }).noValue('0');

  return { title: 'dash.row.devices', panels: [online, flagged] };
}
