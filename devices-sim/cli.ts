/**
 * gatewatch device simulator (npm run sim -- <command> [options]).
 *
 *   list                                   the scenarios
 *   dump     --scenario S [--day D] [--seed N]             one community's messages as JSON lines
 *   registry --out FILE [--communities N]                  offline: a registry file with secrets (GW_REGISTRY_FILE)
 *   provision --api URL --token T --out FILE [--communities N]   over the HTTP API; writes the secrets to FILE
 *   play     --credentials FILE [--scenario S,..|all] [--day D] [--mode fast|live]   publish over MQTT
 *   run      --api URL --token T [...]                     provision, then play
 *   load     --api URL --token T | --credentials FILE  --devices N --rate R --duration S
 */
import { parseArgs } from 'node:util';
import type { RegistryFile } from '../schemas/src/registry.js';
import { readCredential } from '../services/config/env.js';
import { buildLoadCommunity } from './community.js';
import { runLoad } from './load.js';
import { makePlan, parseScenarioList, planMessages, resolveDay, type Plan } from './plan.js';
import { connectDevices, play } from './player.js';
import { createProgress } from './progress.js';
import { createHttpProvisioner, createRegistryFileProvisioner, readCredentials, secretsOf, writeCredentials, type Provisioner } from './provision.js';
import { SCENARIOS } from './scenarios/index.js';

const OPTIONS = {
  api: { type: 'string' },
  token: { type: 'string' },
  mqtt: { type: 'string', default: 'mqtt://127.0.0.1:1883' },
  communities: { type: 'string', default: '3' },
  prefix: { type: 'string', default: 'sim' },
  scenario: { type: 'string', default: 'compliant' },
  day: { type: 'string' },
  seed: { type: 'string', default: '1' },
  tz: { type: 'string', default: 'Asia/Shanghai' },
  mode: { type: 'string', default: 'fast' },
  'catch-up': { type: 'boolean', default: false },
  window: { type: 'string', default: '256' },
  qos: { type: 'string', default: '1' },
  credentials: { type: 'string' },
  out: { type: 'string' },
  devices: { type: 'string', default: '50' },
  rate: { type: 'string', default: '1000' },
  duration: { type: 'string', default: '30' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Args = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function int(args: Args, name: 'communities' | 'seed' | 'window' | 'devices' | 'rate' | 'duration', min: number, max: number): number {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  return v;
}

function need(args: Args, name: 'api' | 'token' | 'credentials' | 'out'): string {
  // The token may come from GW_SIM_TOKEN or, as a compose secret, from the file GW_SIM_TOKEN_FILE names.
  const v = args[name] ?? (name === 'token' ? readCredential('GW_SIM_TOKEN', process.env) : undefined);
  if (!v) throw new UsageError(`--${name} is required${name === 'token' ? ' (or GW_SIM_TOKEN / GW_SIM_TOKEN_FILE)' : ''}`);
  return v;
}

function planOf(args: Args): Plan {
  const mode = args.mode;
  if (mode !== 'fast' && mode !== 'live') throw new UsageError('--mode must be fast or live');
  const day = resolveDay(args.day ?? (mode === 'live' ? 'today' : 'yesterday'), args.tz, Date.now());
  return makePlan({ communities: int(args, 'communities', 1, 500), scenarios: parseScenarioList(args.scenario), day, seed: int(args, 'seed', 0, 2 ** 31), prefix: args.prefix, timeZone: args.tz });
}

async function provisionAll(p: Provisioner, plan: Plan): Promise<RegistryFile> {
  const communities = [];
  for (const { community } of plan.communities) communities.push(await p.provision(community));
  return { communities };
}

async function playPlan(args: Args, plan: Plan, credentials: RegistryFile): Promise<void> {
  const messages = planMessages(plan);
  for (const { community, scenario } of plan.communities) console.error(`[sim] ${community.id} (${community.name}): ${scenario} on ${plan.day}`);
  const devices = plan.communities.flatMap(({ community }) => community.devices.map((d) => d.id));
  const connections = await connectDevices(args.mqtt, devices, secretsOf(credentials));
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const stats = await play(messages, connections, {
      mode: args.mode as 'fast' | 'live', window: int(args, 'window', 1, 100_000), qos: args.qos === '0' ? 0 : 1,
      catchUp: args['catch-up'], progress: createProgress('sim'), signal: abort.signal,
    });
    console.log(JSON.stringify({ day: plan.day, ...stats }));
    if (stats.failed > 0) process.exitCode = 1;
  } finally {
    await connections.close();
  }
}

const commands: Record<string, (args: Args) => Promise<void>> = {
  async list() {
    for (const [name, s] of Object.entries(SCENARIOS)) console.log(`${name.padEnd(20)} ${s.summary}`);
  },
  async dump(args) {
    for (const m of planMessages({ ...planOf(args), communities: planOf(args).communities.slice(0, 1) })) console.log(JSON.stringify(m));
  },
  async registry(args) {
    const plan = planOf(args);
    const p = createRegistryFileProvisioner();
    await provisionAll(p, plan);
    p.write(need(args, 'out'));
    console.error(`[sim] wrote ${plan.communities.length} communities with device secrets to ${args.out}; start the service with GW_REGISTRY_FILE=${args.out}`);
  },
  async provision(args) {
    const file = await provisionAll(createHttpProvisioner({ api: need(args, 'api'), token: need(args, 'token') }), planOf(args));
    writeCredentials(need(args, 'out'), file);
    console.error(`[sim] provisioned ${file.communities.length} communities; device secrets in ${args.out}`);
  },
  async play(args) {
    await playPlan(args, planOf(args), readCredentials(need(args, 'credentials')));
  },
  async run(args) {
    const plan = planOf(args);
    const file = await provisionAll(createHttpProvisioner({ api: need(args, 'api'), token: need(args, 'token') }), plan);
    if (args.out) writeCredentials(args.out, file);
    await playPlan(args, plan, file);
  },
  async load(args) {
    const community = buildLoadCommunity(int(args, 'devices', 1, 10_000), `${args.prefix === 'sim' ? 'load' : args.prefix}-01`, args.tz);
    const credentials = args.credentials
      ? readCredentials(args.credentials)
      : { communities: [await createHttpProvisioner({ api: need(args, 'api'), token: need(args, 'token') }).provision(community)] };
    if (args.out && !args.credentials) writeCredentials(args.out, credentials);
    const connections = await connectDevices(args.mqtt, community.devices.map((d) => d.id), secretsOf(credentials), 32);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    try {
      const stats = await runLoad(
        community.devices.map((d) => ({ communityId: community.id, deviceId: d.id, gateId: 'g1' })),
        connections,
        { ratePerSecond: int(args, 'rate', 1, 1_000_000), durationS: int(args, 'duration', 1, 86_400), qos: args.qos === '0' ? 0 : 1, timeZone: args.tz, progress: createProgress('load'), signal: abort.signal },
      );
      console.log(JSON.stringify({ devices: community.devices.length, rateTarget: Number(args.rate), ...stats }));
    } finally {
      await connections.close();
    }
  },
};

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), options: OPTIONS, allowPositionals: true, strict: true });
  const name = positionals[0] ?? 'help';
  const cmd = commands[name];
  if (!cmd || values.help) {
    const doc = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!.replace(/^\/\*\*?\n?/, '').replace(/^ \* ?/gm, '');
    console.error(doc.trim());
    process.exitCode = cmd || name === 'help' ? 0 : 2;
    return;
  }
  await cmd(values);
}

main().catch((err: unknown) => {
  console.error(`sim: ${(err as Error).message}`);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
