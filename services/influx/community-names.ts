/**
 * The registry's community names for the dashboards' picker: one `community`
 * point (points.ts communityToLine) per community when the sink first sees it
 * and again whenever its name or its company changes, so the variable's
 * `last("label")` is the latest name, and a community moved to another
 * company appears in the new company's database too (the point goes by
 * the registry as it is now, not the router's cache). Checked at most every
 * ROUTE_REFRESH_MS, one scan of the small communities table.
 */
import type { Db } from '../store/db.js';
import { createCompanyDirectory } from '../store/registry-repo.js';
import { communityToLine } from './points.js';

export interface CommunityNames {
  /**
   * Hands `write` one line per community new or changed since the last call
   * (all of them on the first), stamped `atMs`; a change counts as written only
   * once `write` returned. Returns how many lines it wrote.
   */
  sync(atMs: number, write: (line: string, company: string | null) => void): number;
}

export function createCommunityNames(db: Db): CommunityNames {
  const directory = createCompanyDirectory(db);
  // What was last written per community: name and company. Per process: a restart writes each once more (same name, later time).
  const written = new Map<string, string>();
  return {
    sync(atMs, write) {
      const due = [...directory.all()].map((c) => ({ c, key: `${c.name}\u0000${c.propertyCompany ?? ''}` })).filter(({ c, key }) => written.get(c.id) !== key);
      for (const { c, key } of due) {
        write(communityToLine(c, atMs), c.propertyCompany);
        written.set(c.id, key);
      }
      return due.length;
    },
  };
}
