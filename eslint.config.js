// Lint config: typescript-eslint's recommended rules; the build fails on any warning.
// It also enforces the import table of services/README.md (LAYERS below): a file in
// a services/ folder may import only its own folder and the folders listed for it.
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const root = import.meta.dirname;

/**
 * The import table: for each part of services/ (a folder, or a file at its top),
 * what it may import besides itself. `schemas` is the repository's schemas/
 * folder; `rules/facts.ts` allows one file of a folder. Anything else in the
 * repository (services/, schemas/, devices-sim/, bench/, test/, …) is forbidden.
 * services/README.md states the same table in words; change both together.
 */
export const LAYERS = {
  // The ground floor: leaves.
  domain: ['schemas'],
  crypto: [],
  time: [],
  observability: [],
  lifecycle: ['observability'],
  processors: ['observability'],
  i18n: ['schemas', 'time'],
  // The pure core.
  rules: ['schemas', 'domain', 'time', 'i18n'],
  scoring: ['rules/facts.ts', 'schemas', 'domain', 'time', 'i18n'],
  // Adapters.
  config: ['rules', 'schemas'],
  store: ['rules/facts.ts', 'schemas', 'domain', 'crypto', 'time', 'i18n', 'lifecycle'],
  auth: ['store', 'crypto', 'domain', 'schemas'],
  alarms: ['schemas', 'domain', 'store', 'events.ts'],
  'events.ts': ['schemas', 'domain', 'rules/facts.ts', 'scoring', 'observability'],
  rabbitmq: ['observability', 'config', 'domain', 'processors'],
  broker: ['store', 'crypto', 'config', 'schemas', 'observability', 'events.ts', 'domain', 'lifecycle'],
  influx: ['processors', 'store', 'observability', 'schemas', 'config', 'rules', 'scoring', 'domain', 'time', 'i18n', 'events.ts'],
  ingest: ['processors', 'store', 'rules', 'schemas', 'observability', 'alarms', 'events.ts', 'domain', 'time', 'i18n', 'lifecycle'],
  inspections: ['scoring', 'store', 'schemas', 'domain', 'time', 'i18n', 'events.ts'],
  notify: ['store', 'observability', 'alarms', 'events.ts', 'domain', 'i18n'],
  api: ['schemas', 'domain', 'crypto', 'time', 'store', 'auth', 'alarms', 'events.ts', 'inspections', 'scoring', 'rules', 'observability', 'config', 'i18n'],
  cli: ['store', 'auth', 'crypto', 'config', 'influx', 'schemas', 'domain', 'observability', 'i18n'],
  web: [],
  // A partition's composition root (its thread) and the main thread's side of partitions.
  partitions: ['store', 'ingest', 'influx', 'notify', 'inspections', 'broker', 'rabbitmq', 'lifecycle', 'observability', 'config', 'events.ts', 'domain', 'alarms', 'rules', 'schemas'],
  // The composition root and the entry point.
  'runtime.ts': ['*'],
  'main.ts': ['config', 'observability', 'runtime.ts'],
};

const isFile = (part) => part.endsWith('.ts');
const abs = (part) => (part === 'schemas' ? path.join(root, 'schemas') : path.join(root, 'services', part));
// A file as a glob (the rule wants globs only): @(name) matches exactly that name.
const glob = (part) => (isFile(part) ? path.join(path.dirname(abs(part)), `@(${path.basename(part)})`) : `${abs(part)}/**`);
const everything = ['services', 'schemas', 'devices-sim', 'bench', 'test', 'dashboards', 'scripts'].map((d) => `${path.join(root, d)}/**`);

const layerZones = Object.entries(LAYERS)
  .filter(([, allowed]) => !allowed.includes('*'))
  .map(([part, allowed]) => ({
    target: isFile(part) ? abs(part) : `${abs(part)}/**`,
    from: everything,
    except: [glob(part), ...allowed.map(glob)],
    message: `services/${part} may import only ${allowed.length ? allowed.join(', ') : 'itself'} (the import table in eslint.config.js, services/README.md).`,
  }));

// The simulator talks to the service over HTTP and MQTT only: it shares the
// contract (schemas/) and the one model of local days (services/time/), nothing else.
const simulatorZone = {
  target: `${path.join(root, 'devices-sim')}/**`,
  from: everything,
  // config/env.ts: the one reader of <NAME>_FILE credentials (the simulator's GW_SIM_TOKEN_FILE).
  except: [`${path.join(root, 'devices-sim')}/**`, glob('schemas'), glob('time'), glob('config/env.ts')],
  message: 'devices-sim/ may import only schemas/, services/time/ and services/config/env.ts (devices-sim/README.md).',
};

const NO_SQL_OUTSIDE_STORE = {
  selector: "CallExpression[callee.property.name='prepare']",
  message: 'SQL lives in services/store/: add a repository function there and call it.',
};
/** The process's composition root, and the roots of the broker thread and the CLI (each over its own connection). */
const COMPOSITION_ROOTS = ['services/runtime.ts', 'services/broker/worker.ts', 'services/partitions/worker.ts', 'services/cli/admin.ts'];
const NO_REPOSITORY_OUTSIDE_ROOTS = {
  selector:
    'CallExpression[callee.name=/^(create(Accounts|Alarms|Audit|Checkpoints|Facts|Inspections|Presence|Registry|Tokens)Repo|createJournal|createLegacyInbox|createScopeStore|createRepositories)$/]',
  message: 'Repositories are built once by the composition root (services/runtime.ts) and passed down: take it as a dependency.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dashboards/generated/**', 'schemas/json/**', 'test-artifacts/**', 'coverage/**', 'dist/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['services/**/*.ts', 'devices-sim/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(root, 'tsconfig.json') })] },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: root, zones: [...layerZones, simulatorZone] }] },
  },
  {
    // The pure core and the leaves do no I/O: no Node built-ins (crypto/ is the one leaf that wraps node:crypto).
    files: ['services/rules/**/*.ts', 'services/scoring/**/*.ts', 'services/domain/**/*.ts', 'services/time/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['node:*'], message: 'The pure core does no I/O: pass what it needs in.' }] }] },
  },
  {
    // All SQL lives in store/, and the shared repositories are built once, by a
    // composition root (COMPOSITION_ROOTS), and passed down.
    files: ['services/**/*.ts'],
    ignores: ['services/store/**', ...COMPOSITION_ROOTS],
    rules: { 'no-restricted-syntax': ['error', NO_SQL_OUTSIDE_STORE, NO_REPOSITORY_OUTSIDE_ROOTS] },
  },
  {
    files: COMPOSITION_ROOTS,
    rules: { 'no-restricted-syntax': ['error', NO_SQL_OUTSIDE_STORE] },
  },
  {
    // Tests read JSON bodies loosely on purpose; they assert exact values instead.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
