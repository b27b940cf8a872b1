/**
 * The inspectors' web page (services/web): plain files, no bundler. The page
 * holds no data; everything it shows comes from the token-protected API, so
 * the files themselves are public. Only files present at start are served.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const I18N_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'i18n', 'messages');

/**
 * Served beside the page's own files: the dictionaries the server formats with
 * (one per language, services/i18n), and intl-messageformat's self-contained
 * ES module build, straight from node_modules (so the page runs the version the lock file pins).
 */
export function sharedFiles(): Map<string, string> {
  const library = dirname(createRequire(import.meta.url).resolve('intl-messageformat'));
  return new Map([
    ['i18n/zh.json', join(I18N_DIR, 'zh.json')],
    ['i18n/en.json', join(I18N_DIR, 'en.json')],
    ['vendor/intl-messageformat.js', join(library, 'intl-messageformat.iife.js')],
  ]);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** Every servable file under dir, keyed by its path with forward slashes. */
function listFiles(dir: string, root = dir): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) for (const [k, v] of listFiles(full, root)) files.set(k, v);
    else if (TYPES[extname(name)] && name !== 'README.md') files.set(relative(root, full).split(sep).join('/'), full);
  }
  return files;
}

export async function webRoutes(app: FastifyInstance, deps: { dir?: string } = {}): Promise<void> {
  const files = new Map([...listFiles(deps.dir ?? WEB_DIR), ...sharedFiles()]);
  const send = (reply: FastifyReply, path: string) => {
    const full = files.get(path);
    if (!full) return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no file ${path}` });
    return reply.headers(HEADERS).type(TYPES[extname(full)]!).send(readFileSync(full));
  };
  app.get('/', { config: { access: 'public' }, schema: { hide: true } }, async (_req, reply) => send(reply, 'index.html'));
  app.get<{ Params: { '*': string } }>('/static/*', { config: { access: 'public' }, schema: { hide: true } }, async (req, reply) =>
    send(reply, req.params['*']),
  );
}
