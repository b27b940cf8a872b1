/**
 * The Node-RED flow of the peer bench, generated: mqtt in (QoS 1, parsed
 * JSON) -> function (the fever check; points batched to 5,000 or 1 s, as a
 * Node-RED user would to make InfluxDB keep up) -> influxdb batch (1.x,
 * precision us), and the function's second output -> http request (POST
 * JSON) to the alarm webhook for every fever.
 */
export interface FlowOptions {
  mqttPort: number;
  influxHost: string;
  influxPort: number;
  db: string;
  webhookUrl: string;
}

const FUNCTION = `
const r = msg.payload;
const parts = msg.topic.split('/');
const t = Date.parse(r.ts);
if (typeof r.temperatureC !== 'number' || Number.isNaN(t)) return null;
let alarm = null;
if (r.temperatureC > 37.3 && r.temperatureC <= 43) {
  alarm = { payload: { rule: 'fever', community: parts[2], device: parts[3], gateId: r.gateId, temperatureC: r.temperatureC, personRef: r.personRef, ts: r.ts } };
}
const batch = context.get('batch');
batch.push({
  measurement: 'temperature',
  tags: { community: parts[2], device: parts[3], gate: r.gateId, subject: r.subject },
  fields: { temperature_c: r.temperatureC, seq: r.seq },
  timestamp: t * 1000 + (r.seq % 1000),
});
if (batch.length >= 5000) {
  context.set('batch', []);
  return [{ payload: batch }, alarm];
}
return [null, alarm];
`;

const SETUP = `
context.set('batch', []);
const timer = setInterval(() => {
  const batch = context.get('batch');
  if (batch.length === 0) return;
  context.set('batch', []);
  node.send([{ payload: batch }, null]);
}, 1000);
context.set('timer', timer);
`;

const CLOSE = `clearInterval(context.get('timer'));`;

export function buildFlow(o: FlowOptions): object[] {
  return [
    { id: 'tab1', type: 'tab', label: 'gatewatch bench' },
    {
      id: 'broker1', type: 'mqtt-broker', name: 'mosquitto', broker: '127.0.0.1', port: String(o.mqttPort), clientid: 'bench-nodered',
      autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true, autoUnsubscribe: true,
    },
    {
      id: 'influx1', type: 'influxdb', hostname: o.influxHost, port: String(o.influxPort), protocol: 'http', database: o.db, name: 'influxd',
      usetls: false, influxdbVersion: '1.x',
    },
    {
      id: 'in1', type: 'mqtt in', z: 'tab1', name: 'readings', topic: 'gatewatch/v1/+/+/temperature', qos: '1', datatype: 'json', broker: 'broker1',
      nl: false, rap: true, rh: 0, inputs: 0, x: 150, y: 100, wires: [['fn1']],
    },
    {
      id: 'fn1', type: 'function', z: 'tab1', name: 'fever check + points', func: FUNCTION, outputs: 2, timeout: 0, noerr: 0,
      initialize: SETUP, finalize: CLOSE, libs: [], x: 380, y: 100, wires: [['out1'], ['http1']],
    },
    { id: 'out1', type: 'influxdb batch', z: 'tab1', influxdb: 'influx1', precision: 'u', retentionPolicy: '', name: 'influx batch', x: 620, y: 80, wires: [] },
    {
      id: 'http1', type: 'http request', z: 'tab1', name: 'alarm webhook', method: 'POST', ret: 'txt', paytoqs: 'ignore', url: o.webhookUrl,
      tls: '', persist: true, proxy: '', insecureHTTPParser: false, authType: '', senderr: false, headers: [], x: 620, y: 140, wires: [],
    },
  ];
}
