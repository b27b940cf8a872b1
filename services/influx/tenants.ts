/**
 * Per-company databases. Every point about a community owned by a property
 * company (communities.property_company in the registry) goes to the county
 * database and to `<prefix><company key>`, e.g. `gatewatch_co_4f1c0a9e2b`;
 * Grafana organisations of a company read only the latter (provision.ts).
 * Points without a community tag, or of a community the registry does not
 * know, stay in the county database only.
 *
 * The company is looked up when the point is enqueued (in the caller's
 * transaction), so a community moved to another company sends its new
 * points to the new company; what was written before stays where it went.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';

const SAFE = /^[a-z0-9_]{1,40}$/;

/**
 * A company name as a database-name-safe key: a name already made of
 * a-z, 0-9 and _ (at most 40) is its own key; any other (Chinese names, upper
 * case, spaces) is its ASCII letters and digits, lower-cased, up to 24, then
 * `_` and the first 10 hex digits of its SHA-256 (or the hash alone), so two
 * names never share a key by accident and the key never changes.
 */
export function companyKey(company: string): string {
  if (SAFE.test(company)) return company;
  const slug = company.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 24).replace(/_+$/, '');
  const hash = createHash('sha256').update(company, 'utf8').digest('hex').slice(0, 10);
  return slug ? `${slug}_${hash}` : hash;
}

/** The database of a company's points. */
export function tenantDatabase(prefix: string, company: string): string {
  return `${prefix}${companyKey(company)}`;
}

/** The read-only InfluxDB user of a company's database (provision.ts). */
export function tenantReader(prefix: string, company: string): string {
  return `${tenantDatabase(prefix, company)}_reader`;
}

/**
 * The value of the `community` tag of one line of line protocol, or
 * undefined. Only the series key (up to the first unescaped space) is read:
 * a string field holding `,community=` is not a tag. Escapes: `\,`, `\=`,
 * `\ ` (points.ts writes no other backslash into a tag value).
 */
export function communityOfLine(line: string): string | undefined {
  let segmentStart = 0;
  let first = true;
  for (let i = 0; i <= line.length; i++) {
    const c = i < line.length ? line.charCodeAt(i) : 32;
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c !== 44 /* , */ && c !== 32 /* space */) continue;
    if (!first && line.startsWith('community=', segmentStart)) {
      return line.slice(segmentStart + 'community='.length, i).replace(/\\([,= \\])/g, '$1');
    }
    first = false;
    if (c === 32) return undefined;
    segmentStart = i + 1;
  }
  return undefined;
}

export interface TenantRouter {
  /** The company database each line also goes to (null: county only), in the order of `lines`. */
  targets(lines: readonly string[]): (string | null)[];
}

/** Routes lines to company databases by their community tag and the registry; null prefix = off. */
export function createTenantRouter(db: Db, prefix: string | null, countyDatabase: string): TenantRouter {
  if (prefix === null) return { targets: (lines) => lines.map(() => null) };
  const companyOf = db.prepare('SELECT property_company FROM communities WHERE id = ?').pluck();
  return {
    targets(lines) {
      // One registry lookup per community per call (a call is one reading, a day's facts, ...).
      const seen = new Map<string, string | null>();
      return lines.map((line) => {
        const community = communityOfLine(line);
        if (community === undefined) return null;
        let target = seen.get(community);
        if (target === undefined) {
          const company = companyOf.get(community) as string | undefined;
          target = company ? tenantDatabase(prefix, company) : null;
          if (target === countyDatabase) target = null;
          seen.set(community, target);
        }
        return target;
      });
    },
  };
}
