import type { VaultDatabase } from '../../electron/core/vault/database.js';
import { timelinePage } from '../../electron/core/vault/timeline.js';
import type { TimelineEntry } from '../../shared/domain.js';

/** Every entry of a timeline query, following its keyset cursor page after page. */
export function allPages(db: VaultDatabase, q: Parameters<typeof timelinePage>[1]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = timelinePage(db, { ...q, cursor });
    out.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}
