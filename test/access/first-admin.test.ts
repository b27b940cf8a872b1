/**
 * No default password: `npm start` on an empty database says how to create
 * the first admin; the CLI creates it with a password read from stdin (never
 * an argument), and that account signs in to the running service.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, spawnService, stopProcess, waitReady, type ServiceProcess } from '../support/process.js';
import { eventually } from '../support/service.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewatch-first-admin-'));
let proc: ServiceProcess | undefined;
afterAll(async () => {
  if (proc) await stopProcess(proc);
  rmSync(dir, { recursive: true, force: true });
});

function admin(args: string[], stdin: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'services/cli/admin.ts', ...args], { cwd: ROOT, env: { ...process.env, GW_DATA_DIR: dir } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('the first admin', () => {
  it('is announced at start, created from the command line, and signs in', async () => {
    const httpPort = await freePort();
    proc = spawnService({ GW_DATA_DIR: dir, GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: String(httpPort), GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: String(await freePort()) });
    await waitReady(httpPort, proc);
    await eventually(() => proc!.output().includes('npm run admin -- create-account --username <you> --name <your name> --role admin'), 5000);

    expect(await admin(['create-account', '--username', 'root', '--name', '管理员', '--role', 'admin'], 'short\n')).toMatchObject({ code: 1, out: expect.stringContaining('password: must be at least 10 characters') });
    const created = await admin(['create-account', '--username', 'root', '--name', '管理员', '--role', 'admin'], 'a long enough password\n');
    expect(created).toMatchObject({ code: 0, out: expect.stringMatching(/account #1 root \(admin\) created/) });

    const login = (password: string) =>
      fetch(`http://127.0.0.1:${httpPort}/api/v1/session`, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-gatewatch-csrf': '1' }, body: JSON.stringify({ username: 'root', password }),
      });
    expect((await login('admin')).status).toBe(401);
    const ok = await login('a long enough password');
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    const audit = (await (await fetch(`http://127.0.0.1:${httpPort}/api/v1/audit`, { headers: { cookie } })).json()) as { items: unknown[] };
    expect(audit.items[0]).toMatchObject({ action: 'account.create', actor: expect.stringMatching(/^cli:/), after: { username: 'root', role: 'admin' } });
  }, 60_000);
});
