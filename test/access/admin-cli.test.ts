/**
 * The admin CLI as a person meets it: help for every command (options and
 * their enum values), a wrong option answered with the usage, and a password
 * prompt whose stdin ends without a line fails instead of exiting 0 having
 * created nothing. Runs the real CLI against a scratch SQLite file.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-admin-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function admin(args: string[], input = '') {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'services/cli/admin.ts', ...args], {
    cwd: ROOT, input, encoding: 'utf8', timeout: 30_000, env: { ...process.env, GW_DATA_DIR: dir },
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('npm run admin', () => {
  it('create-account < /dev/null exits 1 naming why, and creates nothing', () => {
    const res = admin(['create-account', '--username', 'me', '--name', 'Me', '--role', 'admin']);
    expect(res.status).toBe(1);
    expect(res.stderr.trim()).toBe('no password given: stdin ended before a line (pipe one in, or run it in a terminal)');
    const db = new Database(join(dir, 'gatewatch.sqlite'), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM accounts').pluck().get()).toBe(0);
    db.close();
  });

  it('a piped password still works', () => {
    const res = admin(['create-account', '--username', 'me', '--name', 'Me', '--role', 'admin'], 'a-long-enough-password\n');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('add-device --help prints its options with the device kinds (exit 0)', () => {
    const res = admin(['add-device', '--help']);
    expect(res.status).toBe(0);
    expect(res.stdout.trim()).toBe([
      'npm run admin -- add-device [options]',
      '    --community <value>',
      '    --id <value>',
      '    --kind <thermometer|access_panel|sprayer|ventilation|speaker|door_sensor>',
      '    --location <value>   (optional)',
    ].join('\n'));
  });

  it('--help and help list every command with its options (exit 0)', () => {
    for (const arg of ['--help', 'help']) {
      const res = admin([arg]);
      expect(res.status).toBe(0);
      expect(res.stdout).toContain('usage: npm run admin -- <command> [--option value ...]');
      expect(res.stdout).toContain('  create-account [options]\n      --username <value>\n      --role <admin|operator|inspector>\n');
      for (const cmd of ['disable-account', 'enable-account', 'set-password', 'create-token', 'revoke-token', 'add-community', 'add-device', 'rotate-secret', 'service-secret', 'influx-tenants', 'load-registry <file.json>'])
        expect(res.stdout, cmd).toMatch(new RegExp(`^  ${cmd}`, 'm'));
    }
  });

  it('a wrong option prints the usage of the command (exit 2)', () => {
    const res = admin(['add-device', '--bogus', 'x']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain("add-device: Unknown option '--bogus'");
    expect(res.stderr).toContain('npm run admin -- add-device [options]\n    --community <value>');
    const unknown = admin(['no-such-command']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^unknown command no-such-command\n\nusage: /);
  });
});
