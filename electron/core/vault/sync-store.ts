import type { SyncLogEntry, SyncOutcome } from '../../../shared/ipc/areas/sync.js';
import type { VaultDatabase } from './database.js';

/**
 * The sync tables (migration 004 and sync_log from 001) as small queries. Each function takes the
 * database and its arguments; the transaction that makes a page and its cursor one commit is the
 * caller's (connection-sync.ts).
 */

export type PullMode = 'full' | 'incremental';

export type PullCursor = {
  key: string;
  pullId: number | null;
  mode: PullMode | null;
  nextUrl: string | null;
  pages: number;
  records: number;
  since: string | null;
  lastFullAt: string | null;
};

type CursorRow = {
  resource_type: string;
  pull_id: number | null;
  mode: PullMode | null;
  next_url: string | null;
  pages: number;
  records: number;
  since: string | null;
  last_full_at: string | null;
};

export function readCursor(db: VaultDatabase, connectionId: number, key: string): PullCursor {
  const row = db
    .prepare('SELECT * FROM sync_types WHERE connection_id = ? AND resource_type = ?')
    .get(connectionId, key) as CursorRow | undefined;
  return {
    key,
    pullId: row?.pull_id ?? null,
    mode: row?.mode ?? null,
    nextUrl: row?.next_url ?? null,
    pages: row?.pages ?? 0,
    records: row?.records ?? 0,
    since: row?.since ?? null,
    lastFullAt: row?.last_full_at ?? null,
  };
}

/** A pull starts: from now on a crash resumes at `firstUrl`. */
export function beginPull(
  db: VaultDatabase,
  connectionId: number,
  key: string,
  pullId: number,
  mode: PullMode,
  firstUrl: string,
): void {
  db.prepare(
    `INSERT INTO sync_types (connection_id, resource_type, pull_id, mode, next_url, pages, records)
     VALUES (?, ?, ?, ?, ?, 0, 0)
     ON CONFLICT (connection_id, resource_type) DO UPDATE SET
       pull_id = excluded.pull_id, mode = excluded.mode, next_url = excluded.next_url, pages = 0, records = 0`,
  ).run(connectionId, key, pullId, mode, firstUrl);
}

/** The page is stored: the cursor moves to the next page (or to null: nothing left to fetch). */
export function advancePull(
  db: VaultDatabase,
  connectionId: number,
  key: string,
  nextUrl: string | null,
  records: number,
): void {
  db.prepare(
    `UPDATE sync_types SET next_url = ?, pages = pages + 1, records = records + ?
     WHERE connection_id = ? AND resource_type = ?`,
  ).run(nextUrl, records, connectionId, key);
}

/** A pull reached its last page: it is over, and the next one may ask only for what changed since. */
export function completePull(
  db: VaultDatabase,
  connectionId: number,
  key: string,
  mode: PullMode,
  since: string | null,
  now: string,
): void {
  db.prepare(
    `UPDATE sync_types SET pull_id = NULL, next_url = NULL, since = ?,
       last_full_at = CASE WHEN ? = 'full' THEN ? ELSE last_full_at END
     WHERE connection_id = ? AND resource_type = ?`,
  ).run(since, mode, now, connectionId, key);
}

/** A pull that cannot go on from where it is (its next link is refused): the next run starts it afresh. */
export function abandonPull(db: VaultDatabase, connectionId: number, key: string): void {
  db.prepare(
    'UPDATE sync_types SET pull_id = NULL, next_url = NULL WHERE connection_id = ? AND resource_type = ?',
  ).run(connectionId, key);
}

/**
 * After a complete full pull: what the source no longer returns is marked 'gone', never deleted
 * (a record that comes back is marked present again by storeRecords). Returns how many.
 */
export function markGone(
  db: VaultDatabase,
  connectionId: number,
  resourceType: string,
  pullId: number,
  now: string,
): number {
  return db
    .prepare(
      `UPDATE resources SET source_state = 'gone', updated_at = ?
       WHERE connection_id = ? AND resource_type = ? AND source_state = 'present'
         AND (seen_pull IS NULL OR seen_pull <> ?)`,
    )
    .run(now, connectionId, resourceType, pullId).changes;
}

export function startRunLog(db: VaultDatabase, connectionId: number, startedAt: string): number {
  return Number(
    db
      .prepare(`INSERT INTO sync_log (connection_id, started_at, outcome) VALUES (?, ?, 'running')`)
      .run(connectionId, startedAt).lastInsertRowid,
  );
}

export function finishRunLog(
  db: VaultDatabase,
  runId: number,
  outcome: SyncOutcome,
  message: string | null,
  added: number,
  updated: number,
  finishedAt: string,
): void {
  db.prepare(
    `UPDATE sync_log SET outcome = ?, message = ?, records_added = ?, records_updated = ?, finished_at = ? WHERE id = ?`,
  ).run(outcome, message, added, updated, finishedAt, runId);
}

/** One line of the sync log about one type (or the referenced records, or the attachments). */
export function logTypeOutcome(
  db: VaultDatabase,
  connectionId: number,
  runId: number,
  entry: {
    resourceType: string;
    outcome: 'ok' | 'failed' | 'cancelled';
    message: string | null;
    added: number;
    updated: number;
    startedAt: string;
    finishedAt: string;
  },
): void {
  db.prepare(
    `INSERT INTO sync_log (connection_id, run_id, started_at, finished_at, resource_type, outcome, message, records_added, records_updated)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    connectionId,
    runId,
    entry.startedAt,
    entry.finishedAt,
    entry.resourceType,
    entry.outcome,
    entry.message,
    entry.added,
    entry.updated,
  );
}

/**
 * A run that was still 'running' when the app stopped (crash, power, kill) is closed as failed at
 * the next start, so the log never shows a run forever in progress.
 */
export function closeInterruptedRuns(db: VaultDatabase, connectionId: number, now: string): void {
  db.prepare(
    `UPDATE sync_log SET outcome = 'failed', finished_at = ?, message = 'Stopped before it finished (the app or the computer stopped). The next sync went on from there.'
     WHERE connection_id = ? AND outcome = 'running'`,
  ).run(now, connectionId);
}

type LogRow = {
  id: number;
  run_id: number | null;
  connection_id: number;
  started_at: string;
  finished_at: string | null;
  resource_type: string | null;
  outcome: SyncLogEntry['outcome'];
  message: string | null;
  records_added: number;
  records_updated: number;
};

export function readSyncLog(db: VaultDatabase, connectionId: number, limit: number): SyncLogEntry[] {
  const rows = db
    // Newest run first; within a run, its own line, then its types in the order they finished.
    .prepare(
      'SELECT * FROM sync_log WHERE connection_id = ? ORDER BY coalesce(run_id, id) DESC, run_id IS NOT NULL, id LIMIT ?',
    )
    .all(connectionId, limit) as LogRow[];
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id ?? r.id,
    connectionId: r.connection_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    resourceType: r.resource_type,
    outcome: r.outcome,
    message: r.message,
    recordsAdded: r.records_added,
    recordsUpdated: r.records_updated,
  }));
}

export function setLastSync(db: VaultDatabase, connectionId: number, at: string): void {
  db.prepare('UPDATE connections SET last_sync_at = ? WHERE id = ?').run(at, connectionId);
}

export function readInterval(db: VaultDatabase, connectionId: number): number | null {
  const row = db
    .prepare('SELECT sync_interval_minutes AS m FROM connections WHERE id = ?')
    .get(connectionId) as { m: number | null } | undefined;
  return row?.m ?? null;
}

export function writeInterval(db: VaultDatabase, connectionId: number, minutes: number): void {
  db.prepare('UPDATE connections SET sync_interval_minutes = ? WHERE id = ?').run(minutes, connectionId);
}

/** The connection's bound on a document file's size, in bytes; null for the default. */
export function readDocumentLimit(db: VaultDatabase, connectionId: number): number | null {
  const row = db.prepare('SELECT document_max_bytes AS b FROM connections WHERE id = ?').get(connectionId) as
    { b: number | null } | undefined;
  return row?.b ?? null;
}

export function writeDocumentLimit(db: VaultDatabase, connectionId: number, bytes: number): void {
  db.prepare('UPDATE connections SET document_max_bytes = ? WHERE id = ?').run(bytes, connectionId);
}
