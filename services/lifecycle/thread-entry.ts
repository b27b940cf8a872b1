/**
 * How a worker thread of the service is started (the broker's, the partitions'). Compiled (dist/, the image:
 * the caller is a .js file) it loads the compiled worker with plain node. From source (npm start, tests: tsx)
 * worker threads do not inherit tsx's loader: the thread registers it, then loads the .ts file. tsx is a
 * devDependency, absent from the image: it is resolved only here.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** `callerUrl`: import.meta.url of the module beside the worker; `name`: the worker file without extension. */
export function threadEntry(callerUrl: string, name: string): { code: URL | string; eval: boolean } {
  if (callerUrl.endsWith('.js')) return { code: new URL(`./${name}.js`, callerUrl), eval: false };
  const tsxApi = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  return { code: `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, eval: true };
}

/**
 * The flags a worker thread takes from the process: only --cpu-prof and its options, so that a profiled run
 * (npm run bench -- --profile) writes one profile per thread. Every other flag stays the process's own.
 */
export function threadExecArgv(): string[] {
  return process.execArgv.filter((a) => a.startsWith('--cpu-prof'));
}
