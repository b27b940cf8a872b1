/**
 * Peer "Mosquitto + an external consumer": what a county office would write
 * in an afternoon. Subscribes to every temperature reading (QoS 1), checks
 * the fever rule (> 37.3 °C) and POSTs each fever to the alarm webhook, and
 * writes every reading to InfluxDB in batches (5,000 lines or 1 s). Points
 * that fail to write are kept in memory and retried (lost on a crash).
 *
 * Env: BENCH_MQTT_URL, BENCH_INFLUX_URL, BENCH_INFLUX_DB, BENCH_WEBHOOK_URL.
 */
import mqtt from 'mqtt';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const influx = `${env('BENCH_INFLUX_URL')}/write?db=${encodeURIComponent(env('BENCH_INFLUX_DB'))}&precision=u`;
const webhook = env('BENCH_WEBHOOK_URL');
const BATCH = 5000;
const FLUSH_MS = 1000;

let lines: string[] = [];
let writing = false;

async function flush(): Promise<void> {
  if (writing || lines.length === 0) return;
  writing = true;
  const batch = lines.slice(0, BATCH);
  try {
    const res = await fetch(influx, { method: 'POST', body: batch.join('\n'), signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (res.status === 204) lines = lines.slice(batch.length);
  } catch {
    // InfluxDB down: keep the lines, try again on the next flush
  } finally {
    writing = false;
  }
  if (lines.length >= BATCH) setImmediate(() => void flush());
}

const client = mqtt.connect(env('BENCH_MQTT_URL'), { clientId: 'bench-consumer', clean: true, protocolVersion: 4, reconnectPeriod: 1000 });
client.on('connect', () => {
  client.subscribe('gatewatch/v1/+/+/temperature', { qos: 1 }, (err) => {
    if (err) throw err;
    console.log('subscribed');
  });
});
client.on('message', (topic, payload) => {
  let r: { seq: number; ts: string; gateId: string; temperatureC: number; subject: string; personRef: string };
  try {
    r = JSON.parse(payload.toString('utf8'));
  } catch {
    return;
  }
  const [, , community, device] = topic.split('/');
  const t = Date.parse(r.ts);
  if (typeof r.temperatureC !== 'number' || Number.isNaN(t)) return;
  if (r.temperatureC > 37.3 && r.temperatureC <= 43) {
    fetch(webhook, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rule: 'fever', community, device, gateId: r.gateId, temperatureC: r.temperatureC, personRef: r.personRef, ts: r.ts }),
    }).then((res) => res.arrayBuffer(), () => undefined);
  }
  lines.push(`temperature,community=${community},device=${device},gate=${r.gateId},subject=${r.subject} temperature_c=${r.temperatureC},seq=${r.seq}i ${t * 1000 + (r.seq % 1000)}`);
  if (lines.length >= BATCH) void flush();
});
setInterval(() => void flush(), FLUSH_MS);
process.on('SIGTERM', () => {
  client.end(true);
  process.exit(0);
});
