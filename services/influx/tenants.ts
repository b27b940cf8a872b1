/**
 * Per-company databases. Every point about a community owned by a property
 * company (communities.property_company in the registry) goes to the county
 * database and to `<prefix><company key>`, e.g. `gatewatch_co_4f1c0a9e2b`;
 * Grafana organisations of a company read only the latter (provision.ts).
 * Points without a community tag, or of a community the registry does not
 * know, stay in the county database only.
 *
 * The company is looked up when the point is enqueued, in a cache of the
 * registry at most ROUTE_REFRESH_MS old, so a community moved to another
 * company sends its points to the new company from a few seconds after the
 * move on; what was written before stays where it went.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import { createCompanyDirectory } from '../store/registry-repo.js';

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

/** The company database a point of `company`'s also goes to: null when tenancy is off, there is no company, or its name maps onto the county database. */
export function companyTarget(prefix: string | null, company: string | null | undefined, countyDatabase: string): string | null {
  if (prefix === null || !company) return null;
  const database = tenantDatabase(prefix, company);
  return database === countyDatabase ? null : database;
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

/** How long the router's community → database cache is trusted (ms): the window in which a community moved to another company still routes to the old one. */
export const ROUTE_REFRESH_MS = 2_000;

export interface TenantRouter {
  /** The company database a point about `community` also goes to (null: county only, also for undefined). */
  targetOf(community: string | undefined): string | null;
  /** The same for each line, by its community tag, in the order of `lines`. */
  targets(lines: readonly string[]): (string | null)[];
}

/**
 * Routes points to company databases by community and the registry; null
 * prefix = off. Cheap per point: the registry's communities are held in a
 * Map, reloaded (one small table scan) when older than `refreshMs`; a
 * community not in the Map is looked up at once (a new community routes
 * right away). So a community moved to another company, or removed, keeps
 * routing to the old company for at most `refreshMs`.
 */
export function createTenantRouter(db: Db, prefix: string | null, countyDatabase: string, refreshMs = ROUTE_REFRESH_MS): TenantRouter {
  if (prefix === null) return { targetOf: () => null, targets: (lines) => lines.map(() => null) };
  const companies = createCompanyDirectory(db);
  const databaseOfCompany = new Map<string, string | null>();
  let routes = new Map<string, string | null>();
  let loadedAt = -Infinity;

  function databaseOf(company: string | null | undefined): string | null {
    if (!company) return null;
    let database = databaseOfCompany.get(company);
    if (database === undefined) databaseOfCompany.set(company, (database = companyTarget(prefix, company, countyDatabase)));
    return database;
  }

  function reload(at: number): void {
    const next = new Map<string, string | null>();
    for (const row of companies.all()) next.set(row.id, databaseOf(row.propertyCompany));
    routes = next;
    loadedAt = at;
  }

  function targetOf(community: string | undefined): string | null {
    if (community === undefined) return null;
    const at = performance.now();
    if (at - loadedAt > refreshMs) reload(at);
    let target = routes.get(community);
    if (target === undefined) {
      target = databaseOf(companies.companyOf(community));
      routes.set(community, target);
    }
    return target;
  }

  return { targetOf, targets: (lines) => lines.map((line) => targetOf(communityOfLine(line))) };
}
