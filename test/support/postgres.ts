/**
 * A real PostgreSQL 15 server for tests: Debian's /usr/lib/postgresql/15/bin
 * initdb and postgres, a fresh cluster in a temp dir, TCP on a free loopback
 * port only (no Unix socket), password (SCRAM) authentication for one
 * superuser with a random password.
 *
 * initdb and postgres refuse to run as root; as root, both run as the
 * `postgres` system user (the Debian package creates it) through setpriv,
 * which execs rather than forks, so the pid we hold is the postmaster's own.
 * It never skips: a server that does not answer within the bound is an error
 * with its log. Only the postmaster started here is signalled, by its pid
 * (SIGINT: PostgreSQL's fast shutdown; SIGKILL after 15 s, or for `kill()`).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, sleep } from './process.js';

export const PG_BIN = process.env.GW_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const SUPERUSER = 'gatewatch';

export interface Postgres {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  database: 'postgres';
  /** postgres://user:password@127.0.0.1:port/postgres */
  url: string;
  dir: string;
  /** Milliseconds from initdb to the first answered query. */
  startMs: number;
  /** The postmaster's pid. */
  pid: number;
  /** Runs SQL through psql (unaligned, tuples only) and resolves with its stdout; rejects on an error. */
  psql(sql: string): Promise<string>;
  /** Fast shutdown (SIGINT), SIGKILL after 15 s; the data dir stays. */
  stop(): Promise<void>;
  /** kill -9 of the postmaster, as a crash. */
  kill(): Promise<void>;
  /** Stops the server and removes the temp dir. */
  dispose(): Promise<void>;
}

/** As root: run `bin` as the postgres user (setpriv execs it, keeping the pid). */
function asPostgresUser(bin: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [bin, [...args]];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', bin, ...args]];
}

function run(bin: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<string> {
  const [cmd, argv] = asPostgresUser(bin, args);
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

export async function startPostgres(): Promise<Postgres> {
  for (const bin of ['initdb', 'postgres', 'psql']) {
    try {
      accessSync(join(PG_BIN, bin), constants.X_OK);
    } catch {
      throw new Error(`${join(PG_BIN, bin)} not found: install Debian's postgresql (scripts/install-system-deps.sh)`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'gatewatch-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(16).toString('hex');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const started = Date.now();
  try {
    await run(join(PG_BIN, 'initdb'), ['-D', data, '-U', SUPERUSER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  rmSync(pwfile);
  const port = await freePort();
  const [cmd, argv] = asPostgresUser(join(PG_BIN, 'postgres'), [
    '-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=",
    // A test server: no durability to wait for, and its log in the data dir for failures.
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'logging_collector=off', '-c', 'max_connections=50',
  ]);
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-16_384); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' };
  const psql = (sql: string) =>
    new Promise<string>((resolve, reject) => {
      execFile(join(PG_BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER, '-d', 'postgres', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { env, timeout: 30_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`psql: ${err.message}\n${stderr}`));
        else resolve(stdout);
      });
    });
  const running = () => child.exitCode === null && child.signalCode === null;
  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    if (running()) child.kill(signal);
    await Promise.race([exited, sleep(STOP_TIMEOUT_MS)]);
    if (running()) child.kill('SIGKILL');
    await exited;
  };
  const fail = async (why: string): Promise<never> => {
    await stopWith('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL ${why}\n--- log ---\n${log}`);
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!running()) return fail(`exited with ${child.exitCode ?? child.signalCode}`);
    if (Date.now() > deadline) return fail(`did not answer on 127.0.0.1:${port} within ${START_TIMEOUT_MS} ms`);
    try {
      if ((await psql('SELECT 1')).trim() === '1') break;
    } catch {
      // not accepting connections yet
    }
    await sleep(100);
  }
  let disposed = false;
  return {
    host: '127.0.0.1', port, user: SUPERUSER, password, database: 'postgres',
    url: `postgres://${SUPERUSER}:${password}@127.0.0.1:${port}/postgres`,
    dir, startMs: Date.now() - started, pid: child.pid!,
    psql,
    // SIGINT is PostgreSQL's "fast" shutdown: open sessions are ended, the server stops at once and cleanly.
    stop: () => stopWith('SIGINT'),
    kill: () => stopWith('SIGKILL'),
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stopWith('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The server's own pid file says which process owns the data dir (a sanity check for tests). */
export function postmasterPid(pg: Postgres): number | undefined {
  try {
    return Number(readFileSync(join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}
