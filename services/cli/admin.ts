/**
 * Administration from the command line, against the same SQLite file the
 * service uses (safe while it runs: WAL). Prints secrets and tokens once.
 * Every change is in the audit log as cli:<os user>. A password is read from
 * the terminal without echo, or from stdin when it is not a terminal.
 *
 *   npm run admin -- create-account --username alice --name "Alice Wang" --role admin     (asks for the password)
 *   npm run admin -- create-account --username li --name 李工 --role operator --company 安居物业
 *   npm run admin -- disable-account --username li        (also enable-account, set-password)
 *   npm run admin -- create-token --name sim --role admin
 *   npm run admin -- create-token --name gateway-7 --role operator --company 安居物业
 *   npm run admin -- add-community --id hc-001 --name "Sunshine Garden" --company "Anju Property"
 *   npm run admin -- add-device --community hc-001 --id therm-g1 --kind thermometer --location g1
 *   npm run admin -- rotate-secret --id therm-g1
 *   npm run admin -- service-secret --name dispatcher   (an MQTT service account: GW_MQTT_SERVICE_ACCOUNTS)
 *   npm run admin -- load-registry devices-sim/demo-registry.json
 *   npm run admin -- import --file day.jsonl        (recorded device messages, through the running service)
 *   npm run admin -- readmit --device sprayer-2 [--code DEVICE_UNKNOWN] [--from ISO] [--to ISO] | --ids 4,7
 *   npm run admin -- reevaluate                   (readings a rule threw on, once it is fixed: through the running service)
 *   npm run admin -- influx-tenants [--rotate <company>|all]   (per-company InfluxDB users and Grafana orgs;
 *        GW_INFLUX_URL/_USER/_PASSWORD of an InfluxDB admin; GRAFANA_URL, GRAFANA_ADMIN_USER/_PASSWORD, GRAFANA_INFLUX_URL)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CommunityId, DeviceId, Slug } from '../../schemas/src/common.js';
import { DeviceKind, TimeZone } from '../../schemas/src/registry.js';
import { formatIssues } from '../../schemas/src/decode.js';
import { hashSecret, newSecret, sha256Hex } from '../crypto/secrets.js';
import { loadServiceConfig } from '../config/service-config.js';
import { openDatabase } from '../store/db.js';
import { createRegistryRepo, deviceAuditShape } from '../store/registry-repo.js';
import { createTokensRepo } from '../store/tokens-repo.js';
import { loadRegistryFile } from '../store/registry-loader.js';
import { createAccountsRepo } from '../store/accounts-repo.js';
import { createAuditRepo } from '../store/audit-repo.js';
import { createAccountAdmin } from '../auth/admin.js';
import { AccountCreateBody, Company, Password, Username } from '../../schemas/src/accounts.js';
import { parseInfluxConfig } from '../influx/config.js';
import { parseGrafanaConfig, provisionTenants } from '../influx/provision.js';

const commands: Record<string, { options: Record<string, { type: 'string' }>; schema: z.ZodObject; run: (args: never) => Promise<void> }> = {};

function command<S extends z.ZodObject>(name: string, schema: S, run: (args: z.infer<S>) => Promise<void>): void {
  const options = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, { type: 'string' as const }]));
  commands[name] = { options, schema, run: run as (args: never) => Promise<void> };
}

const config = loadServiceConfig();
const db = openDatabase(join(config.GW_DATA_DIR, 'gatewatch.sqlite'), { synchronous: config.GW_SQLITE_SYNCHRONOUS });
const registry = createRegistryRepo(db);
const tokens = createTokensRepo(db);
const accounts = createAccountsRepo(db);
const audit = createAuditRepo(db);
const admin = createAccountAdmin({ db, accounts, tokens, audit });
const actor = `cli:${userInfo().username}`;

/** Reads a password: hidden on a terminal (asked twice), else the first line of stdin. */
async function readPassword(): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const ask = (q: string) =>
    new Promise<string>((resolve, reject) => {
      if (!process.stdin.isTTY) {
        // stdin ended (e.g. < /dev/null) without a line: say so and fail, rather than exit 0 having done nothing.
        const ended = () => reject(new Error('no password given: stdin ended before a line (pipe one in, or run it in a terminal)'));
        rl.once('close', ended);
        return rl.once('line', (line) => {
          rl.off('close', ended);
          resolve(line);
        });
      }
      process.stdout.write(q);
      const out = rl as unknown as { _writeToOutput: (s: string) => void };
      out._writeToOutput = () => {};
      rl.question('', (answer) => {
        process.stdout.write('\n');
        resolve(answer);
      });
    });
  try {
    const first = await ask('Password (at least 10 characters): ');
    if (process.stdin.isTTY && (await ask('Again: ')) !== first) throw new Error('the passwords differ');
    const parsed = Password.safeParse(first);
    if (!parsed.success) throw new Error(`password: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return first;
  } finally {
    rl.close();
  }
}

command('create-account', AccountCreateBody.omit({ password: true, displayName: true }).extend({ name: z.string().min(1).max(80) }), async (a) => {
  const created = await admin.createAccount({ username: a.username, displayName: a.name, role: a.role, company: a.company, password: await readPassword() }, actor);
  console.log(`account #${created.id} ${created.username} (${created.role}${created.company ? `, ${created.company}` : ''}) created; sign in at the web page`);
});

for (const [name, enabled] of [['disable-account', false], ['enable-account', true]] as const) {
  command(name, z.object({ username: Username }), async (a) => {
    const account = accounts.byUsername(a.username);
    if (!account) throw new Error(`no account ${a.username}`);
    await admin.updateAccount(account.id, { enabled }, actor);
    console.log(`account ${account.username} ${enabled ? 'enabled' : 'disabled (its sessions ended)'}`);
  });
}

command('set-password', z.object({ username: Username }), async (a) => {
  const account = accounts.byUsername(a.username);
  if (!account) throw new Error(`no account ${a.username}`);
  await admin.updateAccount(account.id, { password: await readPassword() }, actor);
  console.log(`new password set for ${account.username}; its sessions ended`);
});

command('create-token', z.object({ name: z.string().min(1).max(80), role: z.enum(['admin', 'operator', 'inspector']), company: Company.optional() }), async (a) => {
  const { info, token } = admin.createToken({ name: a.name, role: a.role, company: a.company }, actor);
  console.log(`API token #${info.id} for ${a.name} (${a.role}${info.company ? `, ${info.company}` : ''}); it is shown only now:\n${token}`);
});

command('revoke-token', z.object({ id: z.coerce.number().int().min(1) }), async (a) => {
  admin.revokeToken(a.id, actor);
  console.log(`token #${a.id} revoked`);
});

command(
  'add-community',
  z.object({ id: CommunityId, name: z.string().min(1), company: z.string().min(1), 'time-zone': TimeZone.default('Asia/Shanghai') }),
  async (a) => {
    db.transaction(() => {
      const before = registry.getCommunity(a.id) ?? null;
      registry.upsertCommunity({ id: a.id, name: a.name, propertyCompany: a.company, timeZone: a['time-zone'] });
      audit.record({ actor, action: 'community.save', objectType: 'community', objectId: a.id, communityId: a.id, before, after: registry.getCommunity(a.id) }, Date.now());
    })();
    console.log(`community ${a.id} saved`);
  },
);

command('add-device', z.object({ community: CommunityId, id: DeviceId, kind: DeviceKind, location: Slug.default('') }), async (a) => {
  if (!registry.getCommunity(a.community)) throw new Error(`no community ${a.community}; add it first with add-community`);
  const secret = newSecret();
  const secretHash = await hashSecret(secret);
  db.transaction(() => {
    const before = registry.getDevice(a.id);
    registry.upsertDevice({ id: a.id, communityId: a.community, kind: a.kind, location: a.location, secretHash }, Date.now());
    const after = registry.getDevice(a.id)!;
    audit.record(
      { actor, action: 'device.add', objectType: 'device', objectId: a.id, communityId: a.community, before: before && deviceAuditShape(before), after: deviceAuditShape(after) },
      Date.now(),
    );
  })();
  console.log(`device ${a.id} saved. MQTT username: ${a.id}  password (shown only now): ${secret}`);
});

command('rotate-secret', z.object({ id: DeviceId }), async (a) => {
  const secret = newSecret();
  const secretHash = await hashSecret(secret);
  db.transaction(() => {
    const before = registry.getDevice(a.id);
    if (!before || !registry.setDeviceSecret(a.id, secretHash)) throw new Error(`no device ${a.id}`);
    audit.record(
      { actor, action: 'device.rotate_secret', objectType: 'device', objectId: a.id, communityId: before.communityId, before: deviceAuditShape(before), after: deviceAuditShape(registry.getDevice(a.id)!) },
      Date.now(),
    );
  })();
  console.log(`new secret for ${a.id} (shown only now): ${secret}`);
});

// MQTT service account (services/broker/README.md): a new random secret; only its SHA-256 goes into the configuration.
command('service-secret', z.object({ name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a-z, 0-9, _ and -, at most 64') }), async (a) => {
  const secret = newSecret();
  console.log(`MQTT username: service:${a.name}  password (shown only now): ${secret}`);
  console.log(`add to GW_MQTT_SERVICE_ACCOUNTS (comma-separated): ${a.name}:${sha256Hex(secret)}`);
});

// Per-company read access to InfluxDB (services/influx/README.md, "Per-company databases").
command('influx-tenants', z.object({ rotate: z.string().min(1).optional() }), async (a) => {
  const influx = parseInfluxConfig(process.env);
  if (!influx) throw new Error('influx-tenants: set GW_INFLUX_URL (and GW_INFLUX_USER / GW_INFLUX_PASSWORD of an InfluxDB admin)');
  if (influx.tenantDbPrefix === null) throw new Error('influx-tenants: per-company databases are off (GW_INFLUX_TENANT_DATABASES=false)');
  const grafana = parseGrafanaConfig(process.env, influx.url);
  const generated = join(dirname(fileURLToPath(import.meta.url)), '../../dashboards/generated/gatewatch-community.json');
  const results = await provisionTenants({
    communities: registry.listCommunities(),
    influx,
    prefix: influx.tenantDbPrefix,
    grafana,
    dashboards: grafana ? [JSON.parse(readFileSync(generated, 'utf8')) as Record<string, unknown>] : [],
    rotate: a.rotate === undefined ? undefined : a.rotate === 'all' ? 'all' : new Set([a.rotate]),
  });
  for (const r of results) {
    // The audit log keeps what was set up, never the password.
    const { password, ...shown } = r;
    audit.record({ actor, action: 'influx.tenant_provision', objectType: 'company', objectId: r.company, before: null, after: { ...shown, passwordChanged: password !== null } }, Date.now());
    console.log(`${r.company}: database ${r.database}, read-only user ${r.user}${r.grafanaOrgId === null ? '' : `, Grafana org #${r.grafanaOrgId}`} (${r.communities.join(', ')})`);
    if (password !== null) console.log(`  password of ${r.user} (shown only now): ${password}`);
  }
  if (results.length === 0) console.log('no communities in the registry: nothing to do');
  if (!grafana) console.log('GRAFANA_URL unset: no Grafana organisations were set up');
});

/**
 * Backfill goes through the running service (its ingest holds the rules' state): the CLI signs in
 * with a short-lived admin token of its own, created and revoked here (both audited as this OS
 * user), and prints the service's report. GW_HTTP_HOST / GW_HTTP_PORT say where it is; `--url` overrides.
 */
async function throughService(path: string, body: string, contentType: string, url?: string, print: (report: Record<string, unknown>) => void = printBackfill): Promise<void> {
  const host = config.GW_HTTP_HOST === '0.0.0.0' || config.GW_HTTP_HOST === '::' ? '127.0.0.1' : config.GW_HTTP_HOST;
  const base = url ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.GW_HTTP_PORT}`;
  const { info, token } = admin.createToken({ name: `${actor} (backfill)`, role: 'admin' }, actor);
  try {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body }).catch((err: unknown) => {
      throw new Error(`the service does not answer at ${base} (${(err as Error).message}): start it (npm start); a backfill goes through it`);
    });
    const report = (await res.json()) as Record<string, unknown> & { message?: string };
    if (!res.ok) throw new Error(`the service refused: ${res.status} ${report.message ?? ''}`);
    print(report);
  } finally {
    admin.revokeToken(info.id, actor);
  }
}

function printBackfill(answer: Record<string, unknown>): void {
  const report = answer as { accepted?: number; duplicate?: number; rejected?: number; alarms?: number; problems?: { line?: number; deadLetterId?: number; code: string; reason: string }[]; days?: { communityId: string; day: string }[] };
  console.log(`accepted ${report.accepted}, duplicate ${report.duplicate}, rejected ${report.rejected}, past alarms recorded ${report.alarms ?? 0}`);
  for (const p of report.problems ?? []) console.log(`  ${p.line !== undefined ? `line ${p.line}` : `dead letter #${p.deadLetterId}`}: ${p.code}: ${p.reason}${p.line !== undefined && p.deadLetterId !== undefined ? ` (dead letter #${p.deadLetterId})` : ''}`);
  if (report.days?.length) console.log(`days recomputed: ${report.days.map((d) => `${d.communityId} ${d.day}`).join(', ')}`);
  if (report.rejected) process.exitCode = 3;
}

command('import', z.object({ file: z.string().min(1), url: z.url().optional() }), async (a) => {
  const text = readFileSync(a.file, 'utf8');
  await throughService(`/api/v1/readings/import?source=${encodeURIComponent(a.file)}`, text, 'application/x-ndjson', a.url);
});

command(
  'readmit',
  z.object({
    ids: z.string().regex(/^\d+(,\d+)*$/, 'comma-separated dead-letter ids').optional(),
    device: DeviceId.optional(),
    code: z.string().min(1).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    url: z.url().optional(),
  }),
  async (a) => {
    const body = { ids: a.ids?.split(',').map(Number), deviceId: a.device, code: a.code, from: a.from, to: a.to };
    await throughService('/api/v1/dead-letters/readmit', JSON.stringify(body), 'application/json', a.url);
  },
);

command('reevaluate', z.object({ url: z.url().optional() }), async (a) => {
  await throughService('/api/v1/readings/reevaluate', '{}', 'application/json', a.url, (report) => {
    console.log(`re-evaluated ${String(report.reevaluated)}, still failing ${String(report.stillFailing)}`);
    if (report.stillFailing) process.exitCode = 3;
  });
});

/** The option's type without optional / default wrappers; its enum values when it is one. */
function optionHint(type: z.ZodType): { required: boolean; values: string[] | null } {
  let t = type as unknown as { def: { type: string; innerType?: unknown }; options?: string[] };
  let required = true;
  while (t.def.type === 'optional' || t.def.type === 'default' || t.def.type === 'nullable') {
    required = false;
    t = t.def.innerType as typeof t;
  }
  return { required, values: t.def.type === 'enum' && t.options ? t.options.map(String) : null };
}

function commandUsage(name: string): string {
  if (name === 'load-registry') return 'npm run admin -- load-registry <file.json>';
  const cmd = commands[name]!;
  const lines = Object.entries(cmd.schema.shape).map(([key, type]) => {
    const { required, values } = optionHint(type as z.ZodType);
    const arg = values ? values.join('|') : 'value';
    return `    --${key} <${arg}>${required ? '' : '   (optional)'}`;
  });
  return [`npm run admin -- ${name}${lines.length ? ' [options]' : ''}`, ...lines].join('\n');
}

function usage(): string {
  const names = [...Object.keys(commands), 'load-registry'];
  return ['usage: npm run admin -- <command> [--option value ...]   (<command> --help: its options)', '', ...names.map((n) => commandUsage(n).replace(/^npm run admin -- /, '  ').replace(/\n/g, '\n  '))].join('\n');
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === 'load-registry') {
    if (!rest[0]) throw new Error('usage: load-registry <file.json>');
    console.log(await loadRegistryFile(rest[0], db, registry, Date.now()));
    return;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`unknown command ${name}\n\n${usage()}`);
    process.exit(2);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandUsage(name));
    return;
  }
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: rest, options: cmd.options, strict: true }).values;
  } catch (err) {
    console.error(`${name}: ${(err as Error).message}\n\n${commandUsage(name)}`);
    process.exit(2);
  }
  const parsed = cmd.schema.safeParse(values);
  if (!parsed.success) {
    console.error(`${name}: ${formatIssues(parsed.error).replace(/(^|; )([\w-]+):/g, '$1--$2:')}\n\n${commandUsage(name)}`);
    process.exit(2);
  }
  await cmd.run(parsed.data as never);
}

main()
  .catch((err: unknown) => {
    console.error((err as Error).message);
    process.exitCode = 1;
  })
  .finally(() => db.close());
