/**
 * The import table (eslint.config.js LAYERS, services/README.md) is checked by
 * the build: lint fails on a forbidden import, and there is no import cycle
 * between files (type-only imports included).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { parseCircular, parseDependencyTree } from 'dpdm';
// @ts-expect-error: the lint config is plain JavaScript without types
import { LAYERS } from '../../eslint.config.js';

const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function lintAs(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

describe('the import table is enforced by npm run lint', () => {
  it('rejects a store import in the pure rules core', async () => {
    expect(await lintAs('services/rules/forbidden.ts', "export type { Db } from '../store/db.js';\n")).toEqual([
      {
        ruleId: 'import-x/no-restricted-paths',
        message:
          'Unexpected path "../store/db.js" imported in restricted zone. services/rules may import only schemas, domain, time, i18n (the import table in eslint.config.js, services/README.md).',
      },
    ]);
  });

  it('rejects an arrow that runs back up: store/ importing auth/', async () => {
    const messages = await lintAs('services/store/forbidden.ts', "export type { AdminService } from '../auth/admin.js';\n");
    expect(messages.map((m) => m.ruleId)).toEqual(['import-x/no-restricted-paths']);
  });

  it('rejects a leaf importing anything but its list: domain/ importing store/', async () => {
    const messages = await lintAs('services/domain/forbidden.ts', "export type { Journal } from '../store/journal.js';\n");
    expect(messages.map((m) => m.ruleId)).toEqual(['import-x/no-restricted-paths']);
  });

  it('rejects Node built-ins in the pure core', async () => {
    expect(await lintAs('services/scoring/forbidden.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n")).toEqual([
      { ruleId: 'no-restricted-imports', message: "'node:fs' import is restricted from being used by a pattern. The pure core does no I/O: pass what it needs in." },
    ]);
  });

  it('keeps the simulator to schemas/ and services/time/', async () => {
    expect(await lintAs('devices-sim/forbidden.ts', "export type { Db } from '../services/store/db.js';\n")).toEqual([
      {
        ruleId: 'import-x/no-restricted-paths',
        message: 'Unexpected path "../services/store/db.js" imported in restricted zone. devices-sim/ may import only schemas/, services/time/ and services/config/env.ts (devices-sim/README.md).',
      },
    ]);
    expect(await lintAs('devices-sim/allowed.ts', "export { localDay } from '../services/time/local-day.js';\n")).toEqual([]);
  });

  it('keeps SQL in store/: a statement prepared elsewhere fails', async () => {
    const code = "import type { Db } from '../store/db.js';\nexport const count = (db: Db) => db.prepare('SELECT 1').get();\n";
    expect(await lintAs('services/inspections/forbidden.ts', code)).toEqual([
      { ruleId: 'no-restricted-syntax', message: 'SQL lives in services/store/: add a repository function there and call it.' },
    ]);
    expect(await lintAs('services/store/allowed.ts', "import type { Db } from './db.js';\nexport const count = (db: Db) => db.prepare('SELECT 1').get();\n")).toEqual([]);
  });

  it('builds repositories only in a composition root', async () => {
    const code = "import type { Db } from '../store/db.js';\nimport { createAlarmsRepo } from '../store/alarms-repo.js';\nexport const alarms = (db: Db) => createAlarmsRepo(db);\n";
    expect(await lintAs('services/ingest/forbidden.ts', code)).toEqual([
      { ruleId: 'no-restricted-syntax', message: 'Repositories are built once by the composition root (services/runtime.ts) and passed down: take it as a dependency.' },
    ]);
    expect(await lintAs('services/runtime.ts', code.replaceAll('../store/', './store/'))).toEqual([]);
  });

  it('accepts what the table allows: rules/ importing schemas/ and domain/', async () => {
    const code = "export type { DeviceMessage } from '../../schemas/src/device-messages.js';\nexport type { Role } from '../domain/role.js';\n";
    expect(await lintAs('services/rules/allowed.ts', code)).toEqual([]);
  });
});

describe('services/README.md states the same table as LAYERS', () => {
  it('lists every part with exactly the imports LAYERS allows', () => {
    const readme = readFileSync(path.join(root, 'services/README.md'), 'utf8');
    const rows = readme.split('\n').filter((l) => /^\| `[^`]+` \|/.test(l) && l.split('|').length === 5);
    const stated = Object.fromEntries(
      rows.map((l) => {
        const cells = l.split('|');
        const part = /`([^`]+)`/.exec(cells[1]!)![1]!.replace(/\/$/, '');
        // Only what is allowed: the cell before a ";" remark, without parenthesised details.
        const allowed = cells[3]!.split(';')[0]!.replace(/\([^)]*\)/g, '');
        const names = [...allowed.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, ''));
        return [part, allowed.includes('everything') ? ['*'] : names.filter((n) => !n.includes(' '))];
      }),
    );
    const expected = Object.fromEntries(Object.entries(LAYERS as Record<string, string[]>).map(([k, v]) => [k, [...v].sort()]));
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, [...(stated[k] ?? ['(missing)'])].sort()]));
    expect(actual).toEqual(expected);
  });
});

describe('import cycles (dpdm, type-only imports included)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function cycles(cwd: string, patterns: string[]): Promise<string[][]> {
    const tree = await parseDependencyTree(patterns, { cwd, context: cwd, transform: false });
    return parseCircular(tree);
  }

  it('finds none in the repository, every relative import resolved', async () => {
    const tree = await parseDependencyTree(['services/**/*.ts', 'schemas/**/*.ts', 'devices-sim/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'], {
      cwd: root,
      context: root,
      transform: false,
    });
    const unresolved = Object.values(tree)
      .flatMap((deps) => deps ?? [])
      .filter((d) => d.request.startsWith('.') && d.id === null);
    expect(unresolved).toEqual([]);
    expect(tree['services/rules/state.ts']?.map((d) => d.id)).toContain('services/rules/reading.ts');
    expect(parseCircular(tree)).toEqual([]);
  });

  it('finds a deliberate type-only cycle', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-cycle-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    writeFileSync(path.join(dir, 'a.ts'), "import type { B } from './b.js';\nexport interface A { b: B }\n");
    writeFileSync(path.join(dir, 'b.ts'), "import type { A } from './a.js';\nexport interface B { a: A }\n");
    expect((await cycles(dir, ['*.ts'])).map((c) => [...c].sort())).toEqual([['a.ts', 'b.ts']]);
  });
});
