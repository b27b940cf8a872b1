/** The community dashboard: one residential community (小区) live, picked with the community variable. */
import { buildDashboard, communityVariable, TODAY } from '../common.js';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { devicesRow } from './devices.js';
import { entriesRow } from './entries.js';
import { gatesRow } from './gates.js';
import { hygieneRow } from './hygiene.js';

export const COMMUNITY_DASHBOARD_UID = 'gatewatch-community';

export function communityDashboard(): Dashboard {
  return buildDashboard({
    uid: COMMUNITY_DASHBOARD_UID,
    title: 'dash.community',
    description:
      'One residential community against the county epidemic-prevention plan: fevers at the gates, gate staffing and entry checks, ' +
      'disinfection and ventilation today, devices. Times are Asia/Shanghai.',
    tags: ['community'],
    time: { from: TODAY, to: 'now' },
    variables: [communityVariable()],
    rows: [gatesRow(), entriesRow(), hygieneRow(), devicesRow()],
  });
}
