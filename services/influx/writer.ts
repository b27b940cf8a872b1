/**
 * The HTTP side of the sink: one gzip POST of line protocol to the v1 write
 * API, `${url}/write?db=&rp=&precision=ns`, which InfluxDB 1.x serves natively
 * and 2.x / 3.x serve through their v1 compatibility endpoints. It only
 * classifies the answer; what to do about it is the sink's business.
 */
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';
import type { InfluxConfig } from './config.js';

const gzip = promisify(gzipCb);
/**
 * zlib's fastest level: line protocol still shrinks about 12× (16× at the
 * default 6) for a third of the CPU (0.25 against 0.7 µs a line, 5,000-line
 * batches), which the readings processor spends on every point.
 */
const GZIP_LEVEL = 1;
const MAX_REASON = 2_000;

export type WriteResult =
  /** InfluxDB has every line (204). */
  | { kind: 'ok' }
  /** Nothing is wrong with the lines: network, timeout, 5xx, 429, auth, missing database. Try again later. */
  | { kind: 'retry'; status: number | null; reason: string; retryAfterMs: number; missingDatabase: boolean }
  /**
   * 400 / 413 / 422: some lines were refused for themselves (parse error, field
   * type conflict, beyond retention, too large). Which ones is not said, and
   * the others may or may not have landed. `allDropped`: the server said it
   * dropped every line (1.x `dropped=N` with N = lines).
   */
  | { kind: 'refused'; status: number; reason: string; allDropped: boolean };

export interface InfluxWriter {
  /**
   * Writes to `database`, the configured one by default. `whileInFlight`
   * runs once the request is under way (the readings processor builds its
   * next batch then, while the server takes this one).
   */
  write(lines: readonly string[], database?: string, whileInFlight?: () => void): Promise<WriteResult>;
  /** `CREATE DATABASE` through /query. Resolves with what the server said; rejects when it could not be reached. */
  createDatabase(database?: string): Promise<{ status: number; body: string }>;
}

const LINE_LEVEL = new Set([400, 413, 422]);

export function createInfluxWriter(config: InfluxConfig): InfluxWriter {
  const writeUrl = (database: string): string => {
    const params = new URLSearchParams({ db: database, precision: 'ns' });
    // GW_INFLUX_RP names a policy of the configured database; company databases use their default one.
    if (config.retentionPolicy !== undefined && database === config.database) params.set('rp', config.retentionPolicy);
    return `${config.url}/write?${params.toString()}`;
  };
  const authHeader = authorization(config);

  function headers(extra: Record<string, string>): Record<string, string> {
    return authHeader === undefined ? extra : { ...extra, Authorization: authHeader };
  }

  return {
    async write(lines, database = config.database, whileInFlight) {
      const body = await gzip(Buffer.from(lines.join('\n'), 'utf8'), { level: GZIP_LEVEL });
      let res: Response;
      let text: string;
      try {
        const pending = fetch(writeUrl(database), {
          method: 'POST',
          headers: headers({ 'Content-Type': 'text/plain; charset=utf-8', 'Content-Encoding': 'gzip' }),
          body,
          signal: AbortSignal.timeout(config.timeoutMs),
        });
        // After the request's own turns (undici writes it on the socket), before its answer.
        if (whileInFlight) setTimeout(whileInFlight, 1);
        res = await pending;
        text = await res.text();
      } catch (err) {
        return { kind: 'retry', status: null, reason: networkReason(err), retryAfterMs: 0, missingDatabase: false };
      }
      if (res.ok) return { kind: 'ok' };
      const reason = errorText(text) || `HTTP ${res.status}`;
      if (LINE_LEVEL.has(res.status)) {
        const dropped = /dropped=(\d+)/.exec(reason);
        return { kind: 'refused', status: res.status, reason, allDropped: dropped !== null && Number(dropped[1]) >= lines.length };
      }
      return {
        kind: 'retry',
        status: res.status,
        reason,
        retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
        missingDatabase: res.status === 404 && /database not found|bucket .* not found/i.test(reason),
      };
    },

    async createDatabase(database = config.database) {
      const res = await fetch(`${config.url}/query`, {
        method: 'POST',
        headers: headers({ 'Content-Type': 'application/x-www-form-urlencoded' }),
        body: new URLSearchParams({ q: `CREATE DATABASE ${quoteIdent(database)}` }).toString(),
        signal: AbortSignal.timeout(config.timeoutMs),
      });
      return { status: res.status, body: (await res.text()).slice(0, MAX_REASON) };
    },
  };
}

function authorization(config: InfluxConfig): string | undefined {
  switch (config.auth.kind) {
    case 'none':
      return undefined;
    case 'basic':
      return `Basic ${Buffer.from(`${config.auth.user}:${config.auth.password}`, 'utf8').toString('base64')}`;
    case 'token':
      return `Token ${config.auth.token}`;
  }
}

/** InfluxQL identifier: double-quoted, with `\` and `"` escaped. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The `error` (1.x, 3.x) or `message` (2.x) of a JSON error body, else the body itself. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const text = typeof parsed.error === 'string' ? parsed.error : typeof parsed.message === 'string' ? parsed.message : body;
    return text.slice(0, MAX_REASON);
  } catch {
    return body.trim().slice(0, MAX_REASON);
  }
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'request timed out';
  return [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ') || String(err);
}

/** Retry-After in seconds (or an HTTP date), as ms; 0 when absent. */
function retryAfterMs(header: string | null): number {
  if (header === null) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : 0;
}
