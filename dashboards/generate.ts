/**
 * Writes dashboards/generated/<uid>.json for every dashboard (what Grafana
 * provisions). `--check` writes nothing and exits 1 when a file is stale,
 * missing or left over, naming it (CI: scripts/test.sh).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allDashboards } from './index.js';

export const GENERATED_DIR = join(dirname(fileURLToPath(import.meta.url)), 'generated');

/** File name -> content, exactly as committed. */
export function renderDashboards(): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of allDashboards()) {
    if (!d.uid) throw new Error(`dashboard "${d.title}" has no uid`);
    const name = `${d.uid}.json`;
    if (files.has(name)) throw new Error(`two dashboards share the uid ${d.uid}`);
    files.set(name, `${JSON.stringify(d, null, 2)}\n`);
  }
  return files;
}

/** Files that differ from what would be generated (stale, missing, or no longer generated). */
export function staleFiles(dir = GENERATED_DIR): string[] {
  const wanted = renderDashboards();
  const present = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const stale = [...wanted].filter(([name, text]) => !existsSync(join(dir, name)) || readFileSync(join(dir, name), 'utf8') !== text).map(([n]) => n);
  return [...stale, ...present.filter((f) => !wanted.has(f))].sort();
}

function main(argv: string[]): number {
  if (argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length === 0) return 0;
    console.error(`dashboards/generated is stale (${stale.join(', ')}): run npm run dashboards:generate and commit the result`);
    return 1;
  }
  mkdirSync(GENERATED_DIR, { recursive: true });
  const wanted = renderDashboards();
  for (const f of readdirSync(GENERATED_DIR)) if (f.endsWith('.json') && !wanted.has(f)) unlinkSync(join(GENERATED_DIR, f));
  for (const [name, text] of wanted) writeFileSync(join(GENERATED_DIR, name), text);
  console.log(`wrote ${[...wanted.keys()].map((n) => `dashboards/generated/${n}`).join(', ')}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
