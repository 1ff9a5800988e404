import type { ConnectionSummary } from '../../../shared/domain.js';
import type { VaultDatabase } from './database.js';

type ConnectionRow = {
  id: number;
  person_id: number;
  kind: 'smart' | 'import';
  label: string;
  fhir_base: string | null;
  state: string;
  record_count: number;
};

const SELECT_CONNECTIONS = `
  SELECT c.id, c.person_id, c.kind, c.label, c.fhir_base, c.state,
         (SELECT count(*) FROM resources r WHERE r.connection_id = c.id) AS record_count
  FROM connections c`;

function toSummary(row: ConnectionRow): ConnectionSummary {
  return {
    id: row.id,
    personId: row.person_id,
    kind: row.kind,
    label: row.label,
    fhirBase: row.fhir_base,
    state: row.state,
    recordCount: row.record_count,
  };
}

export function listConnections(db: VaultDatabase, personId?: number): ConnectionSummary[] {
  const rows =
    personId === undefined
      ? db.prepare(`${SELECT_CONNECTIONS} ORDER BY c.id`).all()
      : db.prepare(`${SELECT_CONNECTIONS} WHERE c.person_id = ? ORDER BY c.id`).all(personId);
  return (rows as ConnectionRow[]).map(toSummary);
}

/**
 * Records that arrive as files rather than from a portal still need a source: one "import"
 * connection per person and label (the file's origin), reused on every import of the same label.
 */
export function importConnection(db: VaultDatabase, personId: number, label: string): number {
  const existing = db
    .prepare(`SELECT id FROM connections WHERE person_id = ? AND kind = 'import' AND label = ?`)
    .get(personId, label) as { id: number } | undefined;
  if (existing) return existing.id;
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO connections (person_id, kind, label, state, created_at) VALUES (?, 'import', ?, 'connected', ?)`,
    )
    .run(personId, label, new Date().toISOString());
  return Number(lastInsertRowid);
}
