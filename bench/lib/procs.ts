/**
 * Child processes of the bench: started here, stopped by their own pid
 * (SIGTERM, then SIGKILL after a bound), never by name. Every wait is bounded.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FromLoadgen, LoadDevice, StepCmd, StepResult } from './protocol.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One free-port helper for tests and bench alike. */
export { freePort } from '../../test/support/process.js';

export interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
  stop(): Promise<void>;
}

const KEEP = 16_384;

/** Tracks what we started so a failing run still stops everything (by pid). */
const started = new Set<Proc>();

export function startProc(name: string, cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-KEEP));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    name, child, exited, output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      started.delete(proc);
    },
  };
  child.once('error', (err) => (out += `\nspawn error: ${err.message}`));
  started.add(proc);
  return proc;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((p) => p.stop()));
}

/** Polls `check` every `stepMs` until it is truthy or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs: number, stepMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    await sleep(stepMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${lastErr ? ` (${(lastErr as Error).message})` : ''}`);
}

export async function httpOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Resident set size of a process in bytes (Linux /proc), 0 when it is gone. */
export function rssOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, in ms (Linux /proc, 100 Hz ticks); 0 when it is gone. */
export function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** The load generator process and its IPC. */
export interface LoadGen {
  connect(host: string, port: number, devices: LoadDevice[]): Promise<{ n: number; ms: number }>;
  step(cmd: Omit<StepCmd, 'type'>): Promise<StepResult>;
  close(): Promise<void>;
  pid: number | undefined;
}

export function startLoadGen(): LoadGen {
  const child = fork(`${ROOT}bench/loadgen.ts`, [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = <T extends FromLoadgen['type']>(type: T, timeoutMs: number): Promise<Extract<FromLoadgen, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error(`load generator: no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: FromLoadgen) => {
        if (m.type !== type && m.type !== 'error') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (m.type === 'error') reject(new Error(`load generator: ${m.message}`));
        else resolve(m as Extract<FromLoadgen, { type: T }>);
      };
      child.on('message', onMessage);
    });
  return {
    pid: child.pid,
    async connect(host, port, devices) {
      const done = next('connected', 120_000);
      child.send({ type: 'connect', host, port, devices, concurrency: 16 });
      return done;
    },
    async step(cmd) {
      const done = next('stepDone', cmd.durationMs + cmd.drainMs + 30_000);
      child.send({ type: 'step', ...cmd });
      return done;
    },
    async close() {
      if (child.connected) child.send({ type: 'close' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
