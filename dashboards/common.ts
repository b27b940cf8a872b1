/**
 * House defaults for every gatewatch dashboard: the data source, the local
 * day, panel constructors that will not build a panel without a description
 * and a unit, and the dashboard frame (uid, time zone, refresh, read-only).
 * Row files (one per row) use only what is exported here.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { text } from '../services/i18n/index.js';
import { parseRulesConfig } from '../services/rules/config.js';
import { PASS_MARK } from '../services/scoring/inspection.js';
import { InfluxQueryBuilder } from './influx-query.js';

/** The plan's thresholds, from the rules engine's defaults (one source of truth: 37.3 °C, 250-500 mg/L, 2 a day...). */
export const PLAN = parseRulesConfig();
/** A checklist total under this fails (不合格). */
export { PASS_MARK };

/** The provisioned data source (provisioning/datasources/influxdb.yaml): InfluxDB 1.x, InfluxQL, database gatewatch. */
export const DATASOURCE: common.DataSourceRef = { type: 'influxdb', uid: 'gatewatch-influxdb' };

/** SPEC: times are local, Asia/Shanghai (UTC+8, no DST). Dashboards and daily buckets use it. */
export const TIME_ZONE = 'Asia/Shanghai';
export const TZ = `tz('${TIME_ZONE}')`;

/** The community template variable, as InfluxQL condition. */
export const COMMUNITY = `"community" = '$community'`;

/** Daily buckets on the local day: `GROUP BY time(1d)[, tags] fill(0) tz('Asia/Shanghai')`. */
export function byLocalDay(...tags: string[]): string {
  return `GROUP BY time(1d)${tags.map((t) => `, "${t}"`).join('')} fill(0) ${TZ}`;
}

/**
 * Open alarms, whatever the time range: "opened" events minus "resolved" events
 * over all time (an alarm has exactly one of each at most; acknowledged is
 * still open), per `tags`. Written as two subqueries summed, since InfluxQL
 * cannot group by the alarm_id field. No $timeFilter on purpose: an alarm
 * opened last week and still open counts today.
 */
export function openAlarms(where: string[], tags: string[]): string {
  const by = tags.length > 0 ? ` GROUP BY ${tags.map((t) => `"${t}"`).join(', ')}` : '';
  const part = (event: string, sign: string) =>
    `(SELECT count("alarm_id")${sign} AS "n" FROM "alarm" WHERE ${[...where, `"event" = '${event}'`].join(' AND ')}${by})`;
  return `SELECT sum("n") FROM ${part('opened', '')}, ${part('resolved', ' * -1')}${by}`;
}

/** A raw InfluxQL target on the gatewatch data source. */
export function influx(refId: string, query: string): InfluxQueryBuilder {
  return new InfluxQueryBuilder(refId, query).datasource(DATASOURCE);
}

/** Panel-level relative times: today so far, and the last 7 local days (today included). */
export const TODAY = 'now/d';
export const LAST_7_DAYS = 'now-6d/d';

/**
 * Titles are dictionary keys (services/i18n/messages, `dash.*`): a panel, row
 * or dashboard is titled in Chinese, and its description opens with the
 * English title, so the English reader finds it in the (i) tooltip.
 */
export const titleZh = (key: string, params?: Record<string, number | string>): string => text('zh', key, params);
export const titleEn = (key: string, params?: Record<string, number | string>): string => text('en', key, params);

export interface PanelSpec {
  /** Dictionary key of the title (`dash.*`). */
  title: string;
  titleParams?: Record<string, number>;
  /** What the panel shows and where the numbers come from; shown as the panel's (i) tooltip. */
  description: string;
  /** A Grafana unit id: celsius, short, percentunit, m, bool_on_off, none... */
  unit: string;
  targets: InfluxQueryBuilder[];
  /** Grid width (of 24) and height. */
  w?: number;
  h?: number;
  /** Relative time override (TODAY, LAST_7_DAYS). */
  timeFrom?: string;
  thresholds?: dashboard.Threshold[];
}

type AnyPanelBuilder =
  | timeseries.PanelBuilder
  | stat.PanelBuilder
  | table.PanelBuilder
  | bargauge.PanelBuilder
  | statetimeline.PanelBuilder;

function apply<B extends AnyPanelBuilder>(builder: B, spec: PanelSpec): B {
  builder
    .title(titleZh(spec.title, spec.titleParams))
    .description(`${titleEn(spec.title, spec.titleParams)}. ${spec.description}`)
    .unit(spec.unit)
    .datasource(DATASOURCE)
    .targets(spec.targets)
    .span(spec.w ?? 12)
    .height(spec.h ?? 8);
  if (spec.timeFrom !== undefined) builder.timeFrom(spec.timeFrom);
  if (spec.thresholds) {
    builder.thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(spec.thresholds));
  }
  return builder;
}

/** Threshold steps from a base colour: steps('green', [37.3, 'red']) -> green below 37.3, red from it. */
export function steps(base: string, ...rest: Array<[number, string]>): dashboard.Threshold[] {
  return [{ value: null, color: base }, ...rest.map(([value, color]) => ({ value, color }))];
}

export function timeseriesPanel(spec: PanelSpec): timeseries.PanelBuilder {
  return apply(new timeseries.PanelBuilder(), spec)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom).showLegend(true))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.None));
}

export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  return apply(new stat.PanelBuilder(), spec)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Background)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

export function tablePanel(spec: PanelSpec): table.PanelBuilder {
  return apply(new table.PanelBuilder(), spec);
}

export function bargaugePanel(spec: PanelSpec): bargauge.PanelBuilder {
  return apply(new bargauge.PanelBuilder(), spec)
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .showUnfilled(true)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

export function stateTimelinePanel(spec: PanelSpec): statetimeline.PanelBuilder {
  return apply(new statetimeline.PanelBuilder(), spec).mergeValues(true).showValue(common.VisibilityMode.Never);
}

/** One row of a dashboard: a row file returns this. */
export interface RowSpec {
  title: string;
  panels: Array<cog.Builder<dashboard.Panel>>;
}

export interface DashboardSpec {
  /** Stable: links, the provisioning file name and Grafana's identity of the dashboard. Never change it. */
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** Default range, e.g. { from: 'now/d', to: 'now' }. */
  time: { from: string; to: string };
  variables?: Array<cog.Builder<dashboard.VariableModel>>;
  rows: RowSpec[];
}

/** The dashboard frame every gatewatch dashboard shares; panel ids are numbered in order. */
export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(titleZh(spec.title))
    .uid(spec.uid)
    .description(`${titleEn(spec.title)}. ${spec.description}`)
    .tags(['gatewatch', ...spec.tags])
    .timezone(TIME_ZONE)
    .weekStart('monday')
    .time(spec.time)
    .refresh('1m')
    .readonly()
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
  for (const variable of spec.variables ?? []) builder.withVariable(variable);
  for (const row of spec.rows) {
    builder.withRow(new dashboard.RowBuilder(titleZh(row.title)));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const built = builder.build();
  (built.panels ?? []).forEach((panel, i) => {
    panel.id = i + 1;
  });
  return built;
}

/**
 * The community selector lists names and filters by id: the sink writes one
 * `community` point per community of the registry, and again on a rename
 * (services/influx/community-names.ts), whose `label` is `<id> <name>`; the
 * latest per id is the option, and the regex's named groups make the id its
 * value (what `$community` puts into every query) and the name its text (what
 * a person picks). A company's database holds only its communities' points.
 */
export const COMMUNITY_OPTIONS_QUERY = 'SELECT last("label") FROM "community" GROUP BY "community"';
/** Each community's latest registered name, by id (the county's table of names). */
export const COMMUNITY_NAMES_QUERY = 'SELECT last("name") AS "name" FROM "community" GROUP BY "community"';
/** Grafana's named capture groups `value` and `text` (an id is a slug: it has no space). */
export const COMMUNITY_OPTION_REGEX = '/^(?<value>\\S+) (?<text>.+)$/';

export function communityVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('community')
    .label(titleZh('dash.var.community'))
    .description('Residential community (小区): its registered name is shown, its id filters the panels (the community measurement the sink writes from the registry)')
    .datasource(DATASOURCE)
    .query(COMMUNITY_OPTIONS_QUERY)
    .definition(COMMUNITY_OPTIONS_QUERY)
    .regex(COMMUNITY_OPTION_REGEX)
    .refresh(dashboard.VariableRefresh.OnDashboardLoad)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(false)
    .includeAll(false);
}
