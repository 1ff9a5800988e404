import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3-multiple-ciphers';
import type { Category } from '../../../shared/domain.js';
import { recordColumns, type FhirVersion } from '../records/record-columns.js';
import type { Json } from '../records/fhir-values.js';
import type { VaultDatabase } from './database.js';
import { sourceKey } from './source-key.js';

export type IncomingRecord = {
  resource: Json;
  /** The JSON text as received, when the caller has it; otherwise the resource is serialised. */
  raw?: string;
  fhirVersion: FhirVersion;
};

export type StoreOptions = {
  /** Told the category of each record added, for "3 new lab results" without a query afterwards. */
  onAdded?: (category: Category) => void;
  /**
   * The sync pull these records came from, kept on each row: when a full pull completes, what it
   * did not return is no longer at the source (see sync/sync-store.ts markGone).
   */
  seenPull?: number;
};

export type StoreOutcome = 'added' | 'updated' | 'unchanged';
export type StoreTally = Record<StoreOutcome, number>;

/**
 * A hash of the resource's content that ignores key order, so the same record served twice with
 * its properties shuffled (a server upgrade, another serialiser) is not mistaken for a change.
 * It identifies a record that has no id; for the others, see textHash.
 */
export function contentHash(resource: unknown): string {
  return createHash('sha256').update(canonicalJson(resource)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  // One growing string rather than map/join arrays: the same text, a fraction of the garbage.
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      out += `${i === 0 ? '' : ','}${JSON.stringify(k)}:${canonicalJson((value as Json)[k])}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The hash a record with an id is compared by: of its text, an eighth of the cost of contentHash
 * (1.5 against 12 µs a record, most of what storing costs besides SQLite). Text that differs only
 * in key order or spacing is then told apart by sameContent, and the stored hash updated, so a
 * source that changes its serialiser costs one slow comparison per record, once.
 */
function textHash(raw: string): string {
  return `t:${createHash('sha256').update(raw).digest('base64url')}`;
}

function sameContent(storedRaw: string, resource: Json): boolean {
  try {
    return canonicalJson(JSON.parse(storedRaw)) === canonicalJson(resource);
  } catch {
    return false;
  }
}

/** The identity of a record at its source; a resource without an id is identified by its content. */
export function serverId(resource: Json, hash: string): string {
  return typeof resource.id === 'string' && resource.id !== '' ? resource.id : `content:${hash}`;
}

type Statements = {
  find: Database.Statement<
    [number, bigint, string, string],
    {
      id: number;
      content_hash: string;
      version: number;
      raw: string;
      source_state: string;
      seen_pull: number | null;
    }
  >;
  seen: Database.Statement<[number, number]>;
  rehash: Database.Statement<[string, number]>;
  insert: Database.Statement<unknown[]>;
  history: Database.Statement<unknown[]>;
  update: Database.Statement<unknown[]>;
  present: Database.Statement<[string, number]>;
  ftsInsert: Database.Statement<[number | bigint, string, string, string | null]>;
};

const statementCache = new WeakMap<VaultDatabase, Statements>();

function statements(db: VaultDatabase): Statements {
  let s = statementCache.get(db);
  if (!s) {
    s = {
      find: db.prepare(
        'SELECT id, content_hash, version, raw, source_state, seen_pull FROM resources WHERE connection_id = ? AND source_key = ? AND resource_type = ? AND server_id = ?',
      ),
      seen: db.prepare('UPDATE resources SET seen_pull = ? WHERE id = ?'),
      rehash: db.prepare('UPDATE resources SET content_hash = ? WHERE id = ?'),
      insert: db.prepare(`
        INSERT INTO resources (person_id, connection_id, resource_type, server_id, fhir_version, category, sort_date,
          display, codes, value_text, value_num, value_unit, abnormal, flag, status, version, content_hash, raw,
          first_seen_at, updated_at, seen_pull, source_key)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)`),
      history: db.prepare(
        'INSERT INTO resource_history (resource_id, version, content_hash, raw, replaced_at) VALUES (?, ?, ?, ?, ?)',
      ),
      update: db.prepare(`
        UPDATE resources SET fhir_version = ?, category = ?, sort_date = ?, display = ?, codes = ?, value_text = ?,
          value_num = ?, value_unit = ?, abnormal = ?, flag = ?, status = ?, version = version + 1, content_hash = ?, raw = ?,
          source_state = 'present', updated_at = ?, seen_pull = ?
        WHERE id = ?`),
      present: db.prepare(`UPDATE resources SET source_state = 'present', updated_at = ? WHERE id = ?`),
      ftsInsert: db.prepare(
        'INSERT INTO resources_fts (rowid, display, codes, value_text) VALUES (?, ?, ?, ?)',
      ),
    };
    statementCache.set(db, s);
  }
  return s;
}

/**
 * Stores records for one person from one connection, idempotently: the same content again changes
 * nothing, changed content keeps the old version in resource_history. Runs inside the caller's
 * transaction, so a batch is committed whole or not at all.
 */
export function storeRecords(
  db: VaultDatabase,
  personId: number,
  connectionId: number,
  records: readonly IncomingRecord[],
  tally: StoreTally = { added: 0, updated: 0, unchanged: 0 },
  options: StoreOptions = {},
): StoreTally {
  const { onAdded, seenPull = null } = options;
  const s = statements(db);
  const now = new Date().toISOString();
  for (const record of records) {
    const { resource } = record;
    const type = String(resource.resourceType);
    const raw = record.raw ?? JSON.stringify(resource);
    const hasId = typeof resource.id === 'string' && resource.id !== '';
    const hash = hasId ? textHash(raw) : contentHash(resource);
    const id = serverId(resource, hash);
    const key = sourceKey(type, id);
    const existing = s.find.get(connectionId, key, type, id);
    if (existing && (existing.content_hash === hash || sameContent(existing.raw, resource))) {
      if (existing.content_hash !== hash) s.rehash.run(hash, existing.id);
      if (existing.source_state !== 'present') s.present.run(now, existing.id);
      if (seenPull !== null && existing.seen_pull !== seenPull) s.seen.run(seenPull, existing.id);
      tally.unchanged++;
      continue;
    }
    const c = recordColumns(resource);
    if (existing) {
      s.history.run(existing.id, existing.version, existing.content_hash, existing.raw, now);
      s.update.run(
        record.fhirVersion,
        c.category,
        c.sortDate,
        c.display,
        c.codes,
        c.valueText,
        c.valueNum,
        c.valueUnit,
        c.abnormal ? 1 : 0,
        c.flag,
        c.status,
        hash,
        raw,
        now,
        seenPull ?? existing.seen_pull,
        existing.id,
      );
      tally.updated++;
    } else {
      const { lastInsertRowid } = s.insert.run(
        personId,
        connectionId,
        type,
        id,
        record.fhirVersion,
        c.category,
        c.sortDate,
        c.display,
        c.codes,
        c.valueText,
        c.valueNum,
        c.valueUnit,
        c.abnormal ? 1 : 0,
        c.flag,
        c.status,
        hash,
        raw,
        now,
        now,
        seenPull,
        key,
      );
      s.ftsInsert.run(lastInsertRowid, c.display, c.codes, c.valueText);
      tally.added++;
      onAdded?.(c.category);
    }
  }
  return tally;
}
