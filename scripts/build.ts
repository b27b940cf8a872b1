/**
 * The production build (`npm run build [-- --out DIR]`, default dist/): tsc
 * with tsconfig.build.json compiles the service, schemas/src and the device
 * simulator, then the files they read at run time are copied next to the
 * JavaScript (the web page, SQL migrations, JSON: registry examples, JSON
 * Schema, the generated community dashboard the admin CLI uploads).
 *
 * Run by Node itself (`node scripts/build.ts`: Node 24 strips the types), so
 * only erasable TypeScript and node: imports here, no tsx.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Folders whose non-TypeScript files are copied (recursively), and the one generated dashboard folder. */
const ASSET_DIRS = ['services', 'schemas/src', 'schemas/json', 'devices-sim', 'dashboards/generated'];
/** Copied: what the compiled code reads. Never copied: sources, docs. */
const ASSET_EXT = new Set(['.js', '.html', '.css', '.sql', '.json', '.svg', '.png', '.ico', '.woff2']);

function assets(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return assets(full);
    return ASSET_EXT.has(extname(name)) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

function main(): void {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist' } } });
  const out = resolve(ROOT, values.out ?? 'dist');
  rmSync(out, { recursive: true, force: true });

  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`build: tsc failed (exit ${res.status ?? res.signal})`);
    process.exit(1);
  }

  let copied = 0;
  for (const dir of ASSET_DIRS) {
    for (const file of assets(join(ROOT, dir))) {
      cpSync(file, join(out, relative(ROOT, file)));
      copied++;
    }
  }
  console.log(`build: ${relative(ROOT, out) || '.'} ready (${copied} assets copied)`);
}

main();
