/**
 * Administration from the command line, against the same SQLite file the
 * service uses (safe while it runs: WAL). Prints secrets and tokens once.
 *
 *   npm run admin -- create-token --name alice --role admin
 *   npm run admin -- add-community --id hc-001 --name "Sunshine Garden" --company "Anju Property"
 *   npm run admin -- add-device --community hc-001 --id therm-g1 --kind thermometer --location g1
 *   npm run admin -- rotate-secret --id therm-g1
 *   npm run admin -- load-registry devices-sim/demo-registry.json
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CommunityId, DeviceId, Slug } from '../../schemas/src/common.js';
import { DeviceKind, TimeZone } from '../../schemas/src/registry.js';
import { formatIssues } from '../../schemas/src/decode.js';
import { hashSecret, newSecret } from '../auth/secrets.js';
import { loadServiceConfig } from '../config/service-config.js';
import { openDatabase } from '../store/db.js';
import { createRegistryRepo } from '../store/registry-repo.js';
import { createTokensRepo } from '../store/tokens-repo.js';
import { loadRegistryFile } from '../store/registry-loader.js';

const commands: Record<string, { options: Record<string, { type: 'string' }>; schema: z.ZodObject; run: (args: never) => Promise<void> }> = {};

function command<S extends z.ZodObject>(name: string, schema: S, run: (args: z.infer<S>) => Promise<void>): void {
  const options = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, { type: 'string' as const }]));
  commands[name] = { options, schema, run: run as (args: never) => Promise<void> };
}

const config = loadServiceConfig();
const db = openDatabase(join(config.GW_DATA_DIR, 'gatewatch.sqlite'), { synchronous: config.GW_SQLITE_SYNCHRONOUS });
const registry = createRegistryRepo(db);
const tokens = createTokensRepo(db);

command('create-token', z.object({ name: z.string().min(1).max(80), role: z.enum(['admin', 'operator', 'inspector']) }), async (a) => {
  const { id, token } = tokens.create(a.name, a.role, Date.now());
  console.log(`API token #${id} for ${a.name} (${a.role}); it is shown only now:\n${token}`);
});

command('revoke-token', z.object({ id: z.coerce.number().int().min(1) }), async (a) => {
  console.log(tokens.revoke(a.id, Date.now()) ? `token #${a.id} revoked` : `no active token #${a.id}`);
});

command(
  'add-community',
  z.object({ id: CommunityId, name: z.string().min(1), company: z.string().min(1), 'time-zone': TimeZone.default('Asia/Shanghai') }),
  async (a) => {
    registry.upsertCommunity({ id: a.id, name: a.name, propertyCompany: a.company, timeZone: a['time-zone'] });
    console.log(`community ${a.id} saved`);
  },
);

command('add-device', z.object({ community: CommunityId, id: DeviceId, kind: DeviceKind, location: Slug.default('') }), async (a) => {
  if (!registry.getCommunity(a.community)) throw new Error(`no community ${a.community}; add it first with add-community`);
  const secret = newSecret();
  registry.upsertDevice({ id: a.id, communityId: a.community, kind: a.kind, location: a.location, secretHash: await hashSecret(secret) }, Date.now());
  console.log(`device ${a.id} saved. MQTT username: ${a.id}  password (shown only now): ${secret}`);
});

command('rotate-secret', z.object({ id: DeviceId }), async (a) => {
  const secret = newSecret();
  if (!registry.setDeviceSecret(a.id, await hashSecret(secret))) throw new Error(`no device ${a.id}`);
  console.log(`new secret for ${a.id} (shown only now): ${secret}`);
});

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === 'load-registry') {
    if (!rest[0]) throw new Error('usage: load-registry <file.json>');
    console.log(await loadRegistryFile(rest[0], db, registry, Date.now()));
    return;
  }
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    console.error(`usage: npm run admin -- <${[...Object.keys(commands), 'load-registry'].join('|')}> [--option value ...]`);
    process.exit(2);
  }
  const { values } = parseArgs({ args: rest, options: cmd.options, strict: true });
  const parsed = cmd.schema.safeParse(values);
  if (!parsed.success) {
    console.error(`${name}: ${formatIssues(parsed.error).replace(/(^|; )([\w-]+):/g, '$1--$2:')}`);
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
