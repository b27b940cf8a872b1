/**
 * What Grafana does to a panel's InfluxQL before sending it, for the tests:
 * the panel's time range (dashboard range or the panel's relative time),
 * $timeFilter, $__interval, ${__from} / ${__to} and template variables.
 * Anything left starting with `$` is an error: a macro the test does not
 * know is a macro nobody checked.
 */
import type { InfluxQueryResult } from '../support/influxd.js';

const LOCAL_OFFSET_MS = 8 * 3_600_000; // Asia/Shanghai, the dashboards' time zone

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  timeFrom?: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Array<{ refId: string; query: string; rawQuery?: boolean; resultFormat?: string; datasource?: { type?: string; uid?: string } }>;
}

export interface GrafanaDashboard {
  uid: string;
  title: string;
  time: { from: string; to: string };
  panels: GrafanaPanel[];
  templating?: { list: GrafanaVariable[] };
}

export interface GrafanaVariable {
  name: string;
  query: string;
  /** `/pattern/flags`; named groups `value` and `text` split an option. */
  regex?: string;
  /** 1: alphabetical by text, ascending. */
  sort?: number;
}

const localMidnight = (ms: number): number => Math.floor((ms + LOCAL_OFFSET_MS) / 86_400_000) * 86_400_000 - LOCAL_OFFSET_MS;

/** Grafana's relative time as the dashboards use it: now/d, now-Nd/d, now-Nd, now-Nh. */
export function resolveFrom(expr: string, now: number): number {
  const m = /^now(?:-(\d+)([dh]))?(\/d)?$/.exec(expr);
  if (!m) throw new Error(`relative time "${expr}" not understood by the test`);
  const back = m[1] ? Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000) : 0;
  return m[3] ? localMidnight(now - back) : now - back;
}

/** The range a panel queries: its own relative time if set, else the dashboard's. */
export function panelRange(dashboard: GrafanaDashboard, panel: GrafanaPanel, now: number): { from: number; to: number } {
  if (dashboard.time.to !== 'now') throw new Error('dashboards end at now');
  return { from: resolveFrom(panel.timeFrom ?? dashboard.time.from, now), to: now };
}

export function interpolate(query: string, ctx: { from: number; to: number; interval: string; vars: Record<string, string> }): string {
  let q = query
    .replaceAll('$timeFilter', `time >= ${ctx.from}ms and time <= ${ctx.to}ms`)
    .replaceAll('$__interval', ctx.interval)
    .replaceAll('${__from}', String(ctx.from))
    .replaceAll('${__to}', String(ctx.to));
  for (const [name, value] of Object.entries(ctx.vars)) q = q.replaceAll(`$${name}`, value).replaceAll(`\${${name}}`, value);
  // `/^...$/` regex anchors are not macros.
  const left = q.replace(/\$\//g, '').match(/\$[\w{]+/g);
  if (left) throw new Error(`unsubstituted macro(s) ${left.join(', ')} in: ${q}`);
  return q;
}

/** GET /query with epoch=ms, as Grafana's InfluxDB data source sends it. */
export async function influxql(url: string, db: string, q: string): Promise<InfluxQueryResult> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 'ms' }).toString()}`);
  const body = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status} for ${q}: ${body}`);
  const parsed = JSON.parse(body) as InfluxQueryResult;
  const err = parsed.error ?? parsed.results.find((r) => r.error)?.error;
  if (err) throw new Error(`InfluxDB refused ${q}: ${err}`);
  return parsed;
}

/** Series keyed by their tags ("gate=g1", "" when ungrouped), rows without the time column unless asked. */
export function bySeries(result: InfluxQueryResult, withTime = true): Record<string, unknown[][]> {
  const out: Record<string, unknown[][]> = {};
  for (const s of result.results[0]?.series ?? []) {
    const key = Object.entries(s.tags ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (key in out) throw new Error(`two series with tags "${key}"`);
    out[key] = withTime ? s.values : s.values.map((row) => row.slice(1));
  }
  return out;
}

/** A panel's English title: panels are titled in Chinese, and their description opens with the English title (dashboards/common.ts). */
export const englishTitle = (panel: GrafanaPanel): string => (panel.description ?? '').split('. ')[0]!;

/**
 * The options of a query variable as Grafana makes them from an InfluxQL
 * answer: one string per row (the first value after the time, every series),
 * duplicates dropped; the variable's regex, with named groups `value` and
 * `text`, splits each into what `$name` becomes and what a person reads;
 * rows it does not match are dropped; options unique by value, sorted by text
 * (sort 1). The rules of Grafana's `metricNamesToVariableValues`.
 */
export function variableOptions(result: InfluxQueryResult, variable: GrafanaVariable): Array<{ text: string; value: string }> {
  const rows = [...new Set((result.results[0]?.series ?? []).flatMap((s) => s.values.map((row) => String(row[1] ?? row[0]))))];
  const m = variable.regex ? /^\/(.*)\/([a-z]*)$/s.exec(variable.regex) : null;
  if (variable.regex && !m) throw new Error(`variable ${variable.name}: regex ${variable.regex} is not /pattern/flags`);
  const regex = m ? new RegExp(m[1]!, m[2]) : null;
  const options: Array<{ text: string; value: string }> = [];
  for (const row of rows) {
    if (!regex) {
      options.push({ text: row, value: row });
      continue;
    }
    const match = regex.exec(row);
    if (!match) continue;
    const { value, text } = match.groups ?? {};
    if (value === undefined && text === undefined) options.push({ text: match[1] ?? row, value: match[1] ?? row });
    else options.push({ text: text ?? value!, value: value ?? text! });
  }
  const unique = options.filter((o, i) => options.findIndex((x) => x.value === o.value) === i);
  if (variable.sort === 1) unique.sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  else if (variable.sort !== undefined && variable.sort !== 0) throw new Error(`variable ${variable.name}: sort ${variable.sort} not known to the test`);
  return unique;
}
