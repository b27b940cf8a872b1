/** The side-by-side table and the full results section of BENCHMARKS.md, from one run's report. */

export interface StepRow {
  rate: number;
  qos: 0 | 1;
  sent: number;
  acked: number;
  skipped: number;
  stored: number;
  lost: number;
  achieved: number;
  ackP50: number;
  ackP99: number;
  /** CPU time of the target's processes (service; broker + consumer) per stored reading. */
  cpuUsPerReading: number;
  ok: boolean;
}

export interface SearchResult {
  max: number;
  steps: StepRow[];
}

export interface Latency {
  n: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
}

export interface OutageReport {
  rate: number;
  sent: number;
  acked: number;
  achieved: number;
  before: Latency;
  during: Latency;
  after: Latency;
  rssBeforeMB: number;
  rssPeakMB: number;
  inInflux: number;
  caughtUpS: number | null;
}

export interface TargetReport {
  name: string;
  qos0: SearchResult;
  qos1: SearchResult;
  latency: Latency & { rate: number; sustained: boolean; ackP50: number; ackP99: number; cpuUsPerReading: number; loopBlockMs?: number };
  outage?: OutageReport;
}

export interface Report {
  date: string;
  machine: { cpus: string; memGB: number; loadBefore: string; loadAfter: string };
  versions: Record<string, string>;
  devices: number;
  stepS: number;
  durationS: number;
  command: string;
  targets: TargetReport[];
  writers?: { points: number; ours: { ms: number; pointsPerS: number; readBack: number }; raw: { ms: number; pointsPerS: number; readBack: number } };
}

const n = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : '–');
const ratio = (ours: number, peer: number, higherIsBetter: boolean) => {
  if (!Number.isFinite(ours) || !Number.isFinite(peer) || ours <= 0 || peer <= 0) return '–';
  const r = higherIsBetter ? ours / peer : peer / ours;
  return r >= 1 ? `${r.toFixed(1)}x better` : `${(1 / r).toFixed(1)}x worse`;
};

function table(r: Report): string {
  const [ours, ...peers] = r.targets;
  if (!ours) return '(no results)';
  const head = ['', 'gatewatch', ...peers.flatMap((p) => [p.name, `gatewatch vs ${p.name}`])];
  const rows: string[][] = [];
  const row = (label: string, f: (t: TargetReport) => number, fmt: (x: number) => string, higher: boolean) =>
    rows.push([label, fmt(f(ours)), ...peers.flatMap((p) => [fmt(f(p)), ratio(f(ours), f(p), higher)])]);
  row('max readings/s, QoS 0, no loss', (t) => t.qos0.max, n, true);
  row('max readings/s, QoS 1, no loss', (t) => t.qos1.max, n, true);
  rows.push(['alarm latency load (readings/s)', ...[ours, ...peers].flatMap((t, i) => [`${n(t.latency.rate)}${t.latency.sustained ? '' : ' (not sustained)'}`, ...(i ? [''] : [])])]);
  row('publish → alarm webhook p50', (t) => t.latency.p50, ms, false);
  row('publish → alarm webhook p99', (t) => t.latency.p99, ms, false);
  row('QoS 1 PUBACK p99 at that load', (t) => t.latency.ackP99, ms, false);
  row('CPU per reading at that load (µs, all its processes)', (t) => t.latency.cpuUsPerReading, n, false);
  rows.push(['longest event-loop block of the ingest (main) thread at that load', ms(ours.latency.loopBlockMs ?? NaN), ...peers.flatMap(() => ['–', ''])]);
  row('InfluxDB outage: alarm p99', (t) => t.outage?.during.p99 ?? NaN, ms, false);
  row('InfluxDB outage: peak RSS (MB, all processes)', (t) => t.outage?.rssPeakMB ?? NaN, n, false);
  rows.push(['InfluxDB outage: every reading in InfluxDB after', ...[ours, ...peers].flatMap((t, i) => [t.outage ? (t.outage.caughtUpS === null ? `no (${n(t.outage.inInflux)} of ${n(t.outage.sent)})` : `yes, ${t.outage.caughtUpS} s`) : '–', ...(i ? [''] : [])])]);
  const md = [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const w = r.writers;
  const writers = w
    ? `\n\n| InfluxDB delivery, ${n(w.points)} points | points/s | read back |\n|---|---|---|\n| gatewatch readings processor (journal → lines → gzip /write, 5,000/batch) | ${n(w.ours.pointsPerS)} | ${n(w.ours.readBack)} |\n| raw writer (plain fetch, pre-built lines, 5,000/batch) | ${n(w.raw.pointsPerS)} | ${n(w.raw.readBack)} |\n| ratio | ${(w.ours.pointsPerS / w.raw.pointsPerS).toFixed(2)} | |`
    : '';
  return md + writers;
}

function steps(t: TargetReport): string {
  const lines = [...t.qos0.steps, ...t.qos1.steps].map(
    (s) => `| ${t.name} | ${s.qos} | ${n(s.rate)} | ${n(s.achieved)} | ${n(s.sent)} | ${n(s.skipped)} | ${s.qos ? n(s.acked) : '–'} | ${n(s.stored)} | ${n(s.lost)} | ${s.qos ? `${ms(s.ackP50)} / ${ms(s.ackP99)}` : '–'} | ${n(s.cpuUsPerReading)} | ${s.ok ? 'ok' : 'fail'} |`,
  );
  return lines.join('\n');
}

function outageRows(t: TargetReport): string {
  const o = t.outage;
  if (!o) return '';
  const l = (x: Latency) => `${ms(x.p50)} / ${ms(x.p99)} (${x.n}${x.missing ? `, ${x.missing} missing` : ''})`;
  return `| ${t.name} | ${n(o.rate)} | ${l(o.before)} | ${l(o.during)} | ${l(o.after)} | ${o.rssBeforeMB} → ${o.rssPeakMB} MB | ${o.caughtUpS === null ? `no: ${n(o.inInflux)} of ${n(o.sent)}` : `${o.caughtUpS} s`} |`;
}

export function renderReport(r: Report): { table: string; full: string } {
  const t = table(r);
  const v = Object.entries(r.versions).map(([k, x]) => `${k} ${x}`).join(', ');
  const full = `### Last run: ${r.date}

Machine: ${r.machine.cpus}, ${r.machine.memGB} GiB. Load average before ${r.machine.loadBefore}, after ${r.machine.loadAfter}.
Versions: ${v}.
Command: \`${r.command}\` (${r.durationS} s). ${r.devices} device connections, steps of ${r.stepS} s.

${t}

Steps (rate = target readings/s; ok = sent at ≥ 97 % of the target, every QoS 1 message acknowledged within 1.5 s of the last send, and every sent reading stored within 1.5 s after that):

| target | QoS | target/s | sent/s | sent | skipped | acked | stored | lost | PUBACK p50 / p99 | CPU µs / reading | |
|---|---|---|---|---|---|---|---|---|---|---|---|
${r.targets.map(steps).join('\n')}

InfluxDB outage (influxd stopped from 8 s to 28 s of a 40 s QoS 1 load at the latency rate, 20 fevers/s; alarm latency p50 / p99 (alarms) by phase):

| target | readings/s | before | during | after | RSS (all its processes) | all readings in InfluxDB after restart |
|---|---|---|---|---|---|---|
${r.targets.map(outageRows).filter(Boolean).join('\n')}
`;
  return { table: t, full };
}
