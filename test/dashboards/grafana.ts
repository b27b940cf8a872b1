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
  templating?: { list: Array<{ name: string; query: string }> };
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
