/**
 * A caller's tenancy as a repository filter: the ids of the communities it may
 * see, or null for all of them (the county). Lists take it, so what a route
 * answers is filtered in SQL, before any limit applies.
 */
export type Visible = readonly string[] | null;

/** `column IN (?, ...)` for the visible ids (bind them after the others), `1` for all, `0` for none. */
export function inList(column: string, visible: Visible): string {
  if (visible === null) return '1';
  if (visible.length === 0) return '0';
  return `${column} IN (${visible.map(() => '?').join(', ')})`;
}
