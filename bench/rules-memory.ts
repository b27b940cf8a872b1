/**
 * Memory and CPU of the rules engine per reading, in-process (no broker, no
 * SQLite): N gate-thermometer readings as bench/loadgen.ts sends them
 * ({seq, ts, gateId, temperatureC, subject, personRef}, one fever in 1,000),
 * from 20 communities x 10 thermometers, decoded as the service decodes
 * them (schemas/src/decode.ts), fed through evaluate().
 *
 *   node --expose-gc --import tsx bench/rules-memory.ts [N] [--refs population|unique]
 *
 * Reports retained heap bytes per reading after a full GC, µs of evaluate()
 * per reading (wall and process CPU), the JSON size of the state per reading, and the time of one
 * community's dailyFacts() for the day. `--refs population` (default) draws
 * person refs from 3,000 residents and 20 staff per community (people pass
 * the gate several times a day); `--refs unique` gives every reading its own
 * ref (the worst case for interning).
 */
import { decodeDeviceMessage } from '../schemas/src/decode.js';
import { DEFAULT_RULES_CONFIG, createInitialState, dailyFacts, evaluate, serializeState, type CommunityLayout, type EngineContext, type ReadingInput, type RulesState } from '../services/rules/index.js';
import { createRng } from '../devices-sim/prng.js';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 300_000);
const uniqueRefs = args.includes('unique');
const COMMUNITIES = 20;
const PER_COMMUNITY = 10;
const RESIDENTS = 3000;
const BATCH = 10_000;
const RATE = 10_000; // readings per second of event time, as at bench rates

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx bench/rules-memory.ts');

const communityIds = Array.from({ length: COMMUNITIES }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
const layouts = new Map<string, CommunityLayout>(
  communityIds.map((id) => [
    id,
    {
      communityId: id,
      timeZone: 'Asia/Shanghai',
      gates: [{ id: 'g1' }],
      areas: [],
      devices: Array.from({ length: PER_COMMUNITY }, (_, k) => ({ id: `${id}-t${k}`, kind: 'thermometer' as const, location: 'g1' })),
      staff: Array.from({ length: 20 }, (_, k) => ({ ref: `s-${id}-${k}`, role: 'gate_attendant' as const, active: true })),
    },
  ]),
);
const ctx: EngineContext = { config: DEFAULT_RULES_CONFIG };
// The layout is an input: one evaluate context per community, built once (not per reading).
const evalCtx = new Map([...layouts].map(([id, l]) => [id, { ...ctx, layout: l }]));

const shanghaiIso = (ms: number) => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 23)}+08:00`;
const T0 = Date.parse('2021-02-03T07:00:00+08:00');
// The simulator's seeded PRNG (mulberry32): the same readings on every run.
const rand = createRng(20210203).next;
const seqs = new Map<string, number>();

/** Readings i..i+n, each a fresh journal row as the ingest pipeline hands it to the engine. */
function batch(from: number, n: number): ReadingInput[] {
  const out: ReadingInput[] = [];
  for (let i = from; i < from + n; i++) {
    const d = i % (COMMUNITIES * PER_COMMUNITY);
    const communityId = communityIds[d % COMMUNITIES] as string;
    const deviceId = `${communityId}-t${Math.floor(d / COMMUNITIES)}`;
    const seq = (seqs.get(deviceId) ?? 1_612_310_400_000_000) + 1;
    seqs.set(deviceId, seq);
    const eventTime = T0 + Math.floor((i * 1000) / RATE);
    const fever = i % 1000 === 500;
    const staff = !fever && rand() < 0.01;
    const personRef = fever || uniqueRefs ? `fv-${i.toString(36)}` : staff ? `s-${communityId}-${Math.floor(rand() * 20)}` : `p-${Math.floor(rand() * RESIDENTS).toString(16).padStart(5, '0')}`;
    const temperatureC = fever ? 38.5 : Number((36 + (seq % 13) / 10).toFixed(1));
    const body = Buffer.from(
      `{"seq":${seq},"ts":"${shanghaiIso(eventTime)}","gateId":"g1","temperatureC":${temperatureC},"subject":"${staff ? 'staff' : 'resident'}","personRef":"${personRef}"}`,
    );
    // As the service decodes it (JSON.parse + zod), then the journal row's id and times.
    const decoded = decodeDeviceMessage(`gatewatch/v1/${communityId}/${deviceId}/temperature`, body);
    if (!decoded.ok) throw new Error(decoded.reason);
    out.push({ ...decoded.message, readingId: i + 1, eventTime, receivedAt: eventTime + 5 });
  }
  return out;
}

gc();
gc();
const heap0 = process.memoryUsage().heapUsed;
let state: RulesState = createInitialState();
let evalNs = 0n;
let evalCpuUs = 0;
let outcomes = 0;
for (let i = 0; i < N; i += BATCH) {
  const readings = batch(i, Math.min(BATCH, N - i));
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (const r of readings) {
    const step = evaluate(state, r, evalCtx.get(r.communityId) ?? { ...ctx, layout: undefined });
    state = step.state;
    outcomes += step.outcomes.length;
  }
  evalNs += process.hrtime.bigint() - t;
  const used = process.cpuUsage(cpu);
  evalCpuUs += used.user + used.system;
}
gc();
gc();
const heap1 = process.memoryUsage().heapUsed;

const layout = layouts.get(communityIds[0] as string) as CommunityLayout;
const asOf = T0 + Math.floor((N * 1000) / RATE) + 1000;
const factsMs: number[] = [];
let factCount = 0;
for (let k = 0; k < 5; k++) {
  const t = process.hrtime.bigint();
  factCount = dailyFacts(state, layout, '2021-02-03', asOf, ctx).length;
  factsMs.push(Number(process.hrtime.bigint() - t) / 1e6);
}
const jsonBytes = Buffer.byteLength(serializeState(state));

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(
  JSON.stringify(
    {
      readings: N,
      refs: uniqueRefs ? 'unique' : 'population',
      alarms: outcomes,
      heapBytesPerReading: Math.round((heap1 - heap0) / N),
      heapMB: fmt((heap1 - heap0) / 1e6),
      evaluateUsPerReading: fmt(Number(evalNs) / 1e3 / N, 2),
      // CPU time of the process (all threads, GC helpers included) while evaluate() ran: steadier than wall time on a shared machine.
      evaluateCpuUsPerReading: fmt(evalCpuUs / N, 2),
      jsonBytesPerReading: Math.round(jsonBytes / N),
      dailyFactsMs: { readingsInCommunity: N / COMMUNITIES, facts: factCount, best: fmt(Math.min(...factsMs)), median: fmt([...factsMs].sort((a, b) => a - b)[2] as number) },
    },
    null,
    2,
  ),
);
