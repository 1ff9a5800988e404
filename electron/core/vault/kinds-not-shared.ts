import type { VaultDatabase } from './database.js';

/**
 * The kinds of record an institution did not share with a connection (migration 8), kept on the
 * connection's `sync_types` row of each search (a type, or a type and a category).
 */
export type Refusal = 'not-granted' | 'forbidden' | 'not-found';

export type KnownRefusal = { refused: Refusal; at: string; scope: string | null };

export function readRefusal(db: VaultDatabase, connectionId: number, key: string): KnownRefusal | null {
  const row = db
    .prepare(
      `SELECT refused, refused_at, refused_scope FROM sync_types
       WHERE connection_id = ? AND resource_type = ? AND refused IS NOT NULL`,
    )
    .get(connectionId, key) as
    { refused: Refusal; refused_at: string; refused_scope: string | null } | undefined;
  return row ? { refused: row.refused, at: row.refused_at, scope: row.refused_scope } : null;
}

/** Records a refusal; an earlier one of the same kind under the same scopes keeps its first time. */
export function markRefused(
  db: VaultDatabase,
  connectionId: number,
  key: string,
  refused: Refusal,
  at: string,
  scope: string | null,
): void {
  db.prepare(
    `INSERT INTO sync_types (connection_id, resource_type, refused, refused_at, refused_scope)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (connection_id, resource_type) DO UPDATE SET
       pull_id = NULL, next_url = NULL, refused = excluded.refused, refused_scope = excluded.refused_scope,
       refused_at = excluded.refused_at`,
  ).run(connectionId, key, refused, at, scope);
}

/** The search brought records in (or the server answered it): no longer refused. */
export function clearRefusal(db: VaultDatabase, connectionId: number, key: string): void {
  db.prepare(
    `UPDATE sync_types SET refused = NULL, refused_at = NULL, refused_scope = NULL
     WHERE connection_id = ? AND resource_type = ? AND refused IS NOT NULL`,
  ).run(connectionId, key);
}

/**
 * The types a connection was refused whole (their own row; a category of a type refused alone
 * leaves the type's other records coming, so it is not listed).
 */
export function typesNotShared(db: VaultDatabase, connectionId: number): string[] {
  return db
    .prepare(
      `SELECT resource_type FROM sync_types
       WHERE connection_id = ? AND refused IS NOT NULL AND instr(resource_type, '?') = 0
       ORDER BY resource_type`,
    )
    .pluck()
    .all(connectionId) as string[];
}
