/**
 * The dashboards as code: stable uids, a description and a unit on every
 * panel, every query on the provisioned data source, every daily bucket on
 * the local day, and the committed JSON exactly what the generator writes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { COMMUNITY_DASHBOARD_UID, COUNTY_DASHBOARD_UID, DATASOURCE, allDashboards } from '../../dashboards/index.js';
import { byLocalDay, openAlarms } from '../../dashboards/common.js';
import { GENERATED_DIR, renderDashboards, staleFiles } from '../../dashboards/generate.js';
import type { GrafanaDashboard, GrafanaPanel } from './grafana.js';

const ROOT = join(import.meta.dirname, '../..');
const dashboards = allDashboards() as unknown as GrafanaDashboard[];
const panels: Array<{ uid: string; panel: GrafanaPanel }> = dashboards.flatMap((d) =>
  d.panels.filter((p) => p.type !== 'row').map((panel) => ({ uid: d.uid, panel })),
);
const targets = panels.flatMap(({ uid, panel }) => (panel.targets ?? []).map((target) => ({ uid, title: panel.title, target })));

const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('dashboards', () => {
  test('uids are the stable ones, and the generated files are named after them', () => {
    expect(COMMUNITY_DASHBOARD_UID).toBe('gatewatch-community');
    expect(COUNTY_DASHBOARD_UID).toBe('gatewatch-county');
    expect(dashboards.map((d) => d.uid)).toEqual(['gatewatch-community', 'gatewatch-county']);
    expect([...renderDashboards().keys()]).toEqual(['gatewatch-community.json', 'gatewatch-county.json']);
    // Two builds give the same JSON (nothing random, no clock).
    expect(renderDashboards()).toEqual(renderDashboards());
  });

  test('dashboards run on Asia/Shanghai and the community one has its variable', () => {
    for (const d of allDashboards()) expect(d.timezone).toBe('Asia/Shanghai');
    const community = dashboards.find((d) => d.uid === 'gatewatch-community')!;
    expect(community.templating?.list.map((v) => [v.name, v.query, (v as { regex?: string }).regex])).toEqual([
      ['community', 'SELECT last("label") FROM "community" GROUP BY "community"', '/^(?<value>\\S+) (?<text>.+)$/'],
    ]);
  });

  test.each(panels.map(({ uid, panel }) => ({ uid, title: panel.title, panel })))('$uid / $title: description, unit, data source', ({ panel }) => {
    expect(panel.description?.trim().length ?? 0).toBeGreaterThan(20);
    expect(panel.fieldConfig?.defaults?.unit).toMatch(/^[\w:. -]+$/);
    expect(panel.datasource).toEqual(DATASOURCE);
    expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
  });

  test('panel ids are unique per dashboard and every panel is on the grid', () => {
    for (const d of allDashboards()) {
      const ids = (d.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels ?? []) expect(p.gridPos && p.gridPos.x + p.gridPos.w <= 24).toBe(true);
    }
  });

  test.each(targets)('$uid / $title ($target.refId): raw InfluxQL on the provisioned data source', ({ target }) => {
    expect(target.datasource).toEqual(DATASOURCE);
    expect(target.rawQuery).toBe(true);
    expect(target.query).toMatch(/^(SELECT|SHOW) /);
    // Daily buckets are local days.
    if (/time\(\s*1d\s*\)/.test(target.query)) expect(target.query).toContain("tz('Asia/Shanghai')");
    // Everything bounded by time uses Grafana's range (open alarms and the communities' latest names are all-time by design).
    if (!target.query.includes('FROM "alarm"') && !target.query.includes('FROM "community"')) expect(target.query).toMatch(/\$timeFilter|\$\{__from\}/);
  });

  test('byLocalDay and openAlarms write what the panels rely on', () => {
    expect(byLocalDay('area')).toBe(`GROUP BY time(1d), "area" fill(0) tz('Asia/Shanghai')`);
    expect(openAlarms([`"rule" = 'device-health'`], ['community'])).toBe(
      `SELECT sum("n") FROM (SELECT count("alarm_id") AS "n" FROM "alarm" WHERE "rule" = 'device-health' AND "event" = 'opened' GROUP BY "community"), ` +
        `(SELECT count("alarm_id") * -1 AS "n" FROM "alarm" WHERE "rule" = 'device-health' AND "event" = 'resolved' GROUP BY "community") GROUP BY "community"`,
    );
  });

  test('the provisioned data source has the uid the panels use, InfluxQL on database gatewatch', () => {
    const yaml = readFileSync(join(ROOT, 'dashboards/provisioning/datasources/influxdb.yaml'), 'utf8');
    expect(yaml).toMatch(new RegExp(`^\\s+uid: ${DATASOURCE.uid}$`, 'm'));
    expect(yaml).toMatch(/^\s+type: influxdb$/m);
    expect(yaml).toMatch(/^\s+version: InfluxQL$/m);
    expect(yaml).toMatch(/^\s+dbName: gatewatch$/m);
  });
});

describe('generator', () => {
  test('the committed JSON is current', () => {
    expect(staleFiles()).toEqual([]);
  });

  test('staleFiles names a changed, a missing and a left-over file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-dash-gen-'));
    tmp.push(dir);
    cpSync(GENERATED_DIR, dir, { recursive: true });
    expect(staleFiles(dir)).toEqual([]);
    writeFileSync(join(dir, 'gatewatch-county.json'), readFileSync(join(dir, 'gatewatch-county.json'), 'utf8').replace('Open alarms', 'Alarms'));
    rmSync(join(dir, 'gatewatch-community.json'));
    writeFileSync(join(dir, 'old.json'), '{}');
    expect(staleFiles(dir)).toEqual(['gatewatch-community.json', 'gatewatch-county.json', 'old.json']);
  });

  test('npm run dashboards:check exits 0 on the committed files', () => {
    const res = spawnSync('npm', ['run', '-s', 'dashboards:check'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
