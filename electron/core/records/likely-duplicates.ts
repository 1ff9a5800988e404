import type { VaultDatabase } from '../vault/database.js';

/**
 * Links likely duplicates: the same result or vaccination that two sources both sent. Two records
 * are taken for the same when they belong to the same person, come from different connections,
 * have the same resource type and category, share a coded term (a `system|code` word of the
 * `codes` column: "loinc|4548-4", "cvx|140"; free-text words never count), fall on the same day
 * (the date part of `sort_date`; undated records are never linked) and carry the same value
 * (the same number and unit, or the same text, or neither has a value).
 *
 * A group holds at most one record per connection, so two identical readings taken the same day
 * at one hospital stay two records even when a second source sent one of them. Its leader is its
 * earliest stored record; the others point at it with `duplicate_of`. Nothing is deleted.
 *
 * Incremental: each run looks only at the person's records stored since its last run (ids above
 * a watermark kept in `settings`) and those whose date, codes or value changed since (queued by a
 * trigger, migration 005), so after a sync that stored 50 records it reads about 50 records and
 * their same-day neighbours. Records are placed in id order, each against records before it, so
 * the groups do not depend on how the records were split between runs, and a second run with
 * nothing new changes nothing.
 */
export function linkLikelyDuplicates(db: VaultDatabase, personId: number): { linked: number } {
  return db.transaction(() => linkPending(db, personId)).immediate();
}

type DayRecord = {
  id: number;
  connection_id: number;
  resource_type: string;
  category: string;
  codes: string;
  value_num: number | null;
  value_unit: string | null;
  value_text: string | null;
  duplicate_of: number | null;
};

/** Above this many new ids a run finds the new records through the index instead of the rows. */
const MANY_NEW = 5000;

type Statements = ReturnType<typeof prepareStatements>;
const cache = new WeakMap<VaultDatabase, Statements>();

function statements(db: VaultDatabase): Statements {
  let s = cache.get(db);
  if (!s) {
    s = prepareStatements(db);
    cache.set(db, s);
  }
  return s;
}

function prepareStatements(db: VaultDatabase) {
  return {
    top: db.prepare<[], number | null>('SELECT max(id) FROM resources').pluck(),
    watermark: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
    setWatermark: db.prepare<[string, string]>(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    sources: db.prepare<[number], number>('SELECT count(*) FROM connections WHERE person_id = ?').pluck(),
    rechecked: db
      .prepare<[number], number>(
        `SELECT q.resource_id FROM likely_duplicate_rechecks q JOIN resources r ON r.id = q.resource_id
         WHERE r.person_id = ? ORDER BY q.resource_id`,
      )
      .pluck(),
    clearRecheck: db.prepare<[number]>('DELETE FROM likely_duplicate_rechecks WHERE resource_id = ?'),
    clearOrphanRechecks: db.prepare<[]>(
      `DELETE FROM likely_duplicate_rechecks WHERE NOT EXISTS (SELECT 1 FROM resources WHERE id = resource_id)`,
    ),
    members: db.prepare<[number], number>('SELECT id FROM resources WHERE duplicate_of = ?').pluck(),
    leaderOf: db.prepare<[number], { duplicate_of: number | null }>(
      'SELECT duplicate_of FROM resources WHERE id = ?',
    ),
    unlink: db.prepare<[number]>('UPDATE resources SET duplicate_of = NULL WHERE id = ?'),
    unlinkMembers: db.prepare<[number]>('UPDATE resources SET duplicate_of = NULL WHERE duplicate_of = ?'),
    // A few new records: the rowid range finds them without touching older rows. Many: the
    // person's timeline index holds id and date, compact and in one pass, where reading the rows
    // would decrypt every page of their JSON.
    newRecords: db.prepare<[number, number, number], { id: number; sort_date: string }>(
      `SELECT id, sort_date FROM resources WHERE id > ? AND id <= ? AND +person_id = ?`,
    ),
    manyNewRecords: db.prepare<[number, number, number], { id: number; sort_date: string }>(
      `SELECT id, sort_date FROM resources INDEXED BY resources_timeline
       WHERE +id > ? AND +id <= ? AND person_id = ? AND sort_date <> ''`,
    ),
    sortDate: db.prepare<[number], string>('SELECT sort_date FROM resources WHERE id = ?').pluck(),
    // A day of the person's records through the timeline index (person_id, sort_date, id, ...).
    day: db.prepare<[number, string, string], DayRecord>(
      `SELECT id, connection_id, resource_type, category, codes, value_num, value_unit, value_text, duplicate_of
       FROM resources WHERE person_id = ? AND sort_date >= ? AND sort_date < ? ORDER BY id`,
    ),
    link: db.prepare<[number | null, number]>('UPDATE resources SET duplicate_of = ? WHERE id = ?'),
  };
}

/** The coded terms of a `codes` column: "loinc|4548-4" and the like, never free text. */
function codedTerms(codes: string): string[] {
  return codes.split(' ').filter((word) => word.includes('|'));
}

/** Records that can only be copies of each other share this key: type, category and value. */
function sameKind(r: DayRecord): string {
  const value =
    r.value_num !== null ? `n${r.value_num}\u0000${r.value_unit ?? ''}` : `t${r.value_text ?? '\u0001'}`;
  return `${r.resource_type}\u0000${r.category}\u0000${value}`;
}

function linkPending(db: VaultDatabase, personId: number): { linked: number } {
  const s = statements(db);
  const key = `likely-duplicates.watermark.${personId}`;
  const watermark = Number(s.watermark.get(key) ?? 0);
  const top = s.top.get() ?? 0;

  // Changed records (and, for a changed leader, its copies) are taken out of their groups and
  // placed again below, as if they had just arrived.
  const pending = new Set<number>();
  for (const id of s.rechecked.all(personId)) {
    s.clearRecheck.run(id);
    pending.add(id);
    if (s.leaderOf.get(id)?.duplicate_of != null) s.unlink.run(id);
    else {
      for (const member of s.members.all(id)) pending.add(member);
      s.unlinkMembers.run(id);
    }
  }
  s.clearOrphanRechecks.run();

  // A group never spans days, so each day with something to place is read once and settled alone.
  const days = new Map<string, number[]>();
  const add = (id: number, sortDate: string | undefined) => {
    if (!sortDate) return;
    const day = sortDate.slice(0, 10);
    const ids = days.get(day);
    if (ids) ids.push(id);
    else days.set(day, [id]);
  };
  for (const id of pending) add(id, s.sortDate.get(id));
  // With one source there is nothing to link; the watermark still moves on.
  if (top > watermark && s.sources.get(personId)! > 1) {
    const scan = top - watermark > MANY_NEW ? s.manyNewRecords : s.newRecords;
    for (const row of scan.iterate(watermark, top, personId)) {
      if (!pending.has(row.id)) {
        pending.add(row.id);
        add(row.id, row.sort_date);
      }
    }
  }

  let linked = 0;
  for (const [day, ids] of days) {
    const changes = settleDay(s.day.all(personId, day, `${day}~`), ids, pending);
    for (const [id, leader] of changes) s.link.run(leader, id);
    for (const [, leader] of changes) if (leader !== null) linked++;
  }
  if (top > watermark) s.setWatermark.run(key, String(top));
  return { linked };
}

/**
 * Places a day's new and changed records (`ids`) among the day's records, in id order, each
 * against records placed before it: the earliest eligible group it matches (no member from its
 * own source yet) takes it. Returns the links to write, by record id.
 */
function settleDay(
  records: DayRecord[],
  ids: number[],
  pending: ReadonlySet<number>,
): Map<number, number | null> {
  const byId = new Map(records.map((r) => [r.id, r]));
  const byKind = new Map<string, DayRecord[]>();
  for (const r of records) {
    const kind = sameKind(r);
    const list = byKind.get(kind);
    if (list) list.push(r);
    else byKind.set(kind, [r]);
  }
  const connections = new Map<number, Set<number>>();
  for (const r of records) {
    const leader = r.duplicate_of ?? r.id;
    let set = connections.get(leader);
    if (!set) connections.set(leader, (set = new Set()));
    set.add(r.connection_id);
  }
  const changes = new Map<number, number | null>();
  for (const id of ids.sort((a, b) => a - b)) {
    const n = byId.get(id);
    if (!n) continue;
    const terms = codedTerms(n.codes);
    if (terms.length === 0) continue;
    let best: number | null = null;
    for (const o of byKind.get(sameKind(n)) ?? []) {
      if (o.id === n.id || o.connection_id === n.connection_id) continue;
      // A record still waiting to be placed (a later one, in this run) is not a group yet.
      if (pending.has(o.id) && o.id > n.id) continue;
      const leader = o.duplicate_of ?? o.id;
      if (best !== null && leader >= best) continue;
      if (connections.get(leader)?.has(n.connection_id)) continue;
      const words = o.codes.split(' ');
      if (!terms.some((t) => words.includes(t))) continue;
      best = leader;
    }
    if (best === null) continue;
    const group = connections.get(best)!;
    // n was alone (new, or taken out of its group above): its own entry goes.
    connections.delete(n.id);
    group.add(n.connection_id);
    if (best < n.id) {
      n.duplicate_of = best;
      changes.set(n.id, best);
    } else {
      // Only a changed record placed again can be older than the group it joins: it leads.
      for (const r of records) {
        if (r.duplicate_of === best || r.id === best) {
          r.duplicate_of = n.id;
          changes.set(r.id, n.id);
        }
      }
      n.duplicate_of = null;
      changes.set(n.id, null);
      connections.delete(best);
      connections.set(n.id, group);
    }
  }
  return changes;
}
