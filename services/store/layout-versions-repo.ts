/**
 * Layout snapshots by version (migration 0110). The version is a content hash
 * of the layout's JSON: the adapter builds the layout from the registry in a
 * fixed key and row order, so equal registry content gives an equal version,
 * and a version names one layout forever. Facts record it (daily_facts.layout_version).
 * The store may not import rules/layout.ts (services/README.md), so the layout
 * is any JSON object with a community id: the rules' CommunityLayout is one.
 */
import { sha256Hex } from '../crypto/secrets.js';
import type { Db } from './db.js';

interface LayoutLike {
  communityId: string;
  version?: string;
}

/** The version of a layout's content (its `version` field, if any, left out). */
export function layoutVersionOf(layout: LayoutLike): string {
  const { version: _ignored, ...content } = layout;
  return sha256Hex(JSON.stringify(content)).slice(0, 16);
}

export function createLayoutVersionsRepo(db: Db) {
  const insert = db.prepare('INSERT OR IGNORE INTO layout_versions (community_id, version, layout, first_seen_at) VALUES (?, ?, ?, ?)');
  const select = db.prepare('SELECT layout FROM layout_versions WHERE community_id = ? AND version = ?').pluck();
  return {
    /** The layout with its version set; its snapshot is stored the first time that version is seen. */
    record<L extends LayoutLike>(layout: L, now: number): L & { version: string } {
      const version = layoutVersionOf(layout);
      const { version: _old, ...content } = layout;
      insert.run(layout.communityId, version, JSON.stringify(content), now);
      return { ...layout, version };
    },
    /** A stored layout by version, or undefined when that version was never recorded. */
    get<L extends LayoutLike>(communityId: string, version: string): (L & { version: string }) | undefined {
      const json = select.get(communityId, version) as string | undefined;
      return json === undefined ? undefined : { ...(JSON.parse(json) as L), version };
    },
  };
}

export type LayoutVersionsRepo = ReturnType<typeof createLayoutVersionsRepo>;
