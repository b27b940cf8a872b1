/** The county overview: every community side by side. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard } from '../common.js';
import { checklistRow } from './checklist.js';
import { operationsRow } from './operations.js';

export const COUNTY_DASHBOARD_UID = 'gatewatch-county';

export function countyDashboard(): Dashboard {
  return buildDashboard({
    uid: COUNTY_DASHBOARD_UID,
    title: 'dash.county',
    description:
      'All residential communities of the county: latest checklist scores ranked, failures, open alarms and devices needing attention. ' +
      'Times are Asia/Shanghai.',
    tags: ['county'],
    time: { from: 'now-30d', to: 'now' },
    rows: [checklistRow(), operationsRow()],
  });
}
