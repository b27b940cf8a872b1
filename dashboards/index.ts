/** Every dashboard, by uid: what generate.ts writes and the tests check. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { communityDashboard } from './community/index.js';
import { countyDashboard } from './county/index.js';

export { COMMUNITY_DASHBOARD_UID } from './community/index.js';
export { COUNTY_DASHBOARD_UID } from './county/index.js';
export { DATASOURCE } from './common.js';

export function allDashboards(): Dashboard[] {
  return [communityDashboard(), countyDashboard()];
}
