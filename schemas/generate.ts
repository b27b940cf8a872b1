/**
 * Writes JSON Schema for device makers from the zod contract into schemas/json/.
 * `--check` compares instead of writing and exits 1 when a committed file is stale,
 * so CI fails when someone edits a zod schema without regenerating.
 */
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DeviceMessageSchemas, MESSAGE_KINDS, TOPIC_ROOT, TOPIC_VERSION, EXAMPLES, type MessageKind } from './src/index.js';

const outDir = join(dirname(fileURLToPath(import.meta.url)), 'json');

/**
 * Cross-field rules zod states as refinements, which z.toJSONSchema cannot
 * see: written here as JSON Schema if/then so device makers' validators
 * refuse what the service refuses.
 */
const CROSS_FIELD: Partial<Record<MessageKind, object>> = {
  access: { if: { properties: { direction: { const: 'in' } }, required: ['direction'] }, then: { required: ['checks'], properties: { checks: { type: 'object' } } } },
};

export function renderJsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of MESSAGE_KINDS) {
    const schema = z.toJSONSchema(DeviceMessageSchemas[kind], { target: 'draft-2020-12', io: 'input' });
    const doc = {
      $id: `https://gatewatch.invalid/schemas/${TOPIC_VERSION}/${kind}.json`,
      title: `${kind} message`,
      description: `Payload published on ${TOPIC_ROOT}/${TOPIC_VERSION}/<communityId>/<deviceId>/${kind}`,
      ...schema,
      ...CROSS_FIELD[kind],
      examples: [EXAMPLES[kind].payload],
    };
    files.set(`${kind}.json`, JSON.stringify(doc, null, 2) + '\n');
  }
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  const files = renderJsonSchemas();
  if (check) {
    const stale = [...files].filter(([name, text]) => {
      const path = join(outDir, name);
      return !existsSync(path) || readFileSync(path, 'utf8') !== text;
    });
    const extra = existsSync(outDir) ? readdirSync(outDir).filter((n) => !files.has(n)) : [];
    if (stale.length || extra.length) {
      console.error(`schemas/json is stale: ${[...stale.map(([n]) => n), ...extra].join(', ')}. Run: npm run schemas:generate`);
      process.exit(1);
    }
    console.log(`schemas/json is up to date (${files.size} files)`);
    return;
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
  console.log(`wrote ${files.size} JSON Schema files to schemas/json`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
