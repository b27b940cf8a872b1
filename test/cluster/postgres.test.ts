/**
 * The PostgreSQL harness (test/support/postgres.ts) proves itself: a real
 * PostgreSQL 15 on a free loopback port, password authentication, a table
 * written and read back, and the postmaster gone after stop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postmasterPid, startPostgres, PG_BIN, type Postgres } from '../support/postgres.js';
import { alive } from '../support/process.js';

let pg: Postgres;

beforeAll(async () => {
  pg = await startPostgres();
  console.log(`PostgreSQL 15 up in ${pg.startMs} ms (initdb included)`);
}, 60_000);

afterAll(async () => {
  await pg?.dispose();
});

describe('PostgreSQL harness', () => {
  it('is PostgreSQL 15 on loopback, not running as root, owning its data dir', async () => {
    expect((await pg.psql('SHOW server_version_num')).trim().slice(0, 2)).toBe('15');
    expect((await pg.psql("SELECT inet_server_addr()")).trim()).toBe('127.0.0.1');
    expect((await pg.psql('SHOW port')).trim()).toBe(String(pg.port));
    expect(postmasterPid(pg)).toBe(pg.pid);
    // initdb and postgres refuse root: as root the harness runs them as the postgres user.
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pg.pid}/status`, 'utf8'))?.[1];
    expect(uid).toBe(process.getuid?.() === 0 ? execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim() : String(process.getuid?.()));
    expect((await pg.psql('SELECT current_user')).trim()).toBe('gatewatch');
  });

  it('stores and reads back rows', async () => {
    await pg.psql('CREATE TABLE partitions (id int PRIMARY KEY, node text NOT NULL)');
    await pg.psql("INSERT INTO partitions VALUES (0, 'worker-a'), (1, 'worker-b')");
    expect(await pg.psql('SELECT id, node FROM partitions ORDER BY id')).toBe('0|worker-a\n1|worker-b\n');
  });

  it('refuses a wrong password', async () => {
    const out = await new Promise<string>((resolve) => {
      execFile(join(PG_BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user, '-d', 'postgres', '-X', '-c', 'SELECT 1'], { env: { ...process.env, PGPASSWORD: 'wrong' } }, (err, _stdout, stderr) => resolve(err ? stderr : 'connected'));
    });
    expect(out).toContain('password authentication failed for user "gatewatch"');
  });

  it('stops by its pid: the postmaster is gone', async () => {
    const pid = pg.pid;
    await pg.stop();
    expect(alive(pid)).toBe(false);
  });
});
