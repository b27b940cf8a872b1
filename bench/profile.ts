/** Reads the newest .cpuprofile in a directory: self time by function and by package / folder. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function where(url: string): string {
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/(services\/[^/]+|schemas\/src|bench)\//.exec(url);
  if (own) return own[1]!;
  if (url.startsWith('node:')) return 'node:internal';
  return url ? url.replace(/^.*\//, '') : '(native / VM)';
}

export function topFunctions(dir: string, n: number): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  if (files.length === 0) return `no .cpuprofile in ${dir}`;
  // tsx's loader runs in a worker thread with a profile of its own: take the largest (the main thread).
  const newest = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const prof = JSON.parse(readFileSync(newest, 'utf8')) as { nodes: ProfileNode[] };
  const total = prof.nodes.reduce((s, x) => s + (x.hitCount ?? 0), 0);
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  for (const x of prof.nodes) {
    const hits = x.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = x.callFrame;
    const key = `${functionName || '(anonymous)'}  ${url.replace(/^.*?(node_modules|services|schemas)\//, '$1/')}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + hits);
    const pkg = where(url);
    byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + hits);
  }
  const pct = (h: number) => `${((100 * h) / total).toFixed(1).padStart(5)} %`;
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, h]) => `${pct(h)}  ${name}`);
  return [`profile ${newest} (${total} samples)`, '', 'self time by function:', ...top(byFn, n), '', 'self time by package / folder:', ...top(byPkg, 15)].join('\n');
}

if (process.argv[1] && process.argv[1].endsWith('profile.ts') && process.argv[2]) console.log(topFunctions(process.argv[2], Number(process.argv[3] ?? 30)));
