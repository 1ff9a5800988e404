import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { linkLikelyDuplicates } from '../../electron/core/records/likely-duplicates.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { deleteConnection, importConnection } from '../../electron/core/vault/connections.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { searchRecords } from '../../electron/core/vault/search.js';
import { timelineCounts } from '../../electron/core/vault/timeline-counts.js';
import { getRecord, recordStats } from '../../electron/core/vault/timeline.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { labResult } from '../support/fhir-builders.js';
import { DAISEY, FAST_SCRYPT, tempDir } from '../support/temp-dir.js';
import { storeResources } from '../support/stored-records.js';
import { allPages } from '../support/timeline-pages.js';

type Db = VaultFile['db'];

const glucose = (id: string, date: string, value: number, unit = 'mg/dL', loinc = '2345-7'): Json =>
  labResult({ id, date, value, unit, loinc, text: 'Glucose' });

function vaccine(id: string, date: string, cvx = '140'): Json {
  return {
    resourceType: 'Immunization',
    id,
    status: 'completed',
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: cvx }], text: 'Influenza' },
    occurrenceDateTime: date,
  };
}

const idOf = (db: Db, serverId: string, connectionId: number) =>
  db
    .prepare('SELECT id FROM resources WHERE server_id = ? AND connection_id = ?')
    .pluck()
    .get(serverId, connectionId) as number;
const linkOf = (db: Db, id: number) =>
  db.prepare('SELECT duplicate_of FROM resources WHERE id = ?').pluck().get(id) as number | null;

describe('likely duplicates across sources', () => {
  let vault: VaultFile;
  let db: Db;
  let person: number;
  let hospital: number;
  let files: number;

  beforeEach(async () => {
    vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    db = vault.db;
    person = addPerson(db, { name: 'Ada', relationship: 'self' }).id;
    hospital = importConnection(db, person, 'Example Hospital');
    files = importConnection(db, person, 'Imported files');
  });
  afterEach(() => vault.lock());

  it('links the same code, day and value from two connections, the earlier stored leading', () => {
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01T08:00:00Z', 98)]);
    // Another time of the same day, another server id, the same code and value.
    storeResources(db, person, files, [glucose('f1', '2024-03-01T10:30:00Z', 98)]);
    expect(linkLikelyDuplicates(db, person)).toEqual({ linked: 1 });
    const leader = idOf(db, 'h1', hospital);
    const copy = idOf(db, 'f1', files);
    expect(linkOf(db, leader)).toBeNull();
    expect(linkOf(db, copy)).toBe(leader);

    const entries = allPages(db, { personId: person, limit: 100 });
    expect(entries.map((e) => [e.id, e.sources])).toEqual([[leader, 2]]);
    const record = getRecord(db, leader);
    expect(record.entry.sources).toBe(2);
    expect(record.sources.map((s) => [s.id, s.label, s.value, s.leader])).toEqual([
      [leader, 'Example Hospital', '98 mg/dL', true],
      [copy, 'Imported files', '98 mg/dL', false],
    ]);
    // The copy opens too, with the same group.
    const other = getRecord(db, copy);
    expect(other.entry.source.label).toBe('Imported files');
    expect(other.sources.map((s) => s.id)).toEqual([leader, copy]);
  });

  it('links immunizations with no value, and vaccines of the same day only', () => {
    storeResources(db, person, hospital, [vaccine('h1', '2023-10-02'), vaccine('h2', '2022-10-02')]);
    storeResources(db, person, files, [vaccine('f1', '2023-10-02'), vaccine('f2', '2022-10-03')]);
    expect(linkLikelyDuplicates(db, person).linked).toBe(1);
    expect(linkOf(db, idOf(db, 'f1', files))).toBe(idOf(db, 'h1', hospital));
    expect(linkOf(db, idOf(db, 'f2', files))).toBeNull();
  });

  it('does not link a different value, unit, day or code, nor two records of one connection', () => {
    storeResources(db, person, hospital, [
      glucose('h1', '2024-03-01', 98),
      glucose('h2', '2024-03-01', 98), // a second reading the same day, same source
      glucose('h3', '2024-04-01', 98),
      glucose('h4', '2024-05-01', 98),
      glucose('h5', '2024-06-01', 98, 'mg/dL', '2345-7'),
    ]);
    storeResources(db, person, files, [
      glucose('f3', '2024-04-01', 99), // other value
      glucose('f4', '2024-05-01', 98, 'mmol/L'), // other unit
      glucose('f5', '2024-06-01', 98, 'mg/dL', '2339-0'), // other code
      glucose('f6', '2024-07-01', 98), // other day
    ]);
    const before = db.prepare('SELECT count(*) FROM resources').pluck().get();
    expect(linkLikelyDuplicates(db, person).linked).toBe(0);
    expect(db.prepare('SELECT count(*) FROM resources WHERE duplicate_of IS NOT NULL').pluck().get()).toBe(0);
    expect(allPages(db, { personId: person, limit: 3 })).toHaveLength(9);
    expect(db.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(before);
  });

  it('keeps one record per connection in a group: a second same-day reading stays on its own', () => {
    storeResources(db, person, hospital, [
      glucose('h1', '2024-03-01T08:00:00Z', 98),
      glucose('h2', '2024-03-01T18:00:00Z', 98),
    ]);
    storeResources(db, person, files, [glucose('f1', '2024-03-01T08:00:00Z', 98)]);
    expect(linkLikelyDuplicates(db, person).linked).toBe(1);
    const entries = allPages(db, { personId: person, limit: 100 });
    expect(entries.map((e) => e.sources).sort()).toEqual([1, 2]);
  });

  it('is idempotent and incremental: a second run changes nothing, a later copy joins the group', () => {
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01', 98)]);
    storeResources(db, person, files, [glucose('f1', '2024-03-01', 98)]);
    expect(linkLikelyDuplicates(db, person).linked).toBe(1);
    const snapshot = () => db.prepare('SELECT id, duplicate_of FROM resources ORDER BY id').all();
    const first = snapshot();
    expect(linkLikelyDuplicates(db, person).linked).toBe(0);
    expect(snapshot()).toEqual(first);
    // The same import again stores nothing new and links nothing new.
    storeResources(db, person, files, [glucose('f1', '2024-03-01', 98)]);
    expect(linkLikelyDuplicates(db, person).linked).toBe(0);
    // A third source sends it later: it joins the group.
    const portal = importConnection(db, person, 'Patient portal');
    storeResources(db, person, portal, [glucose('p1', '2024-03-01', 98)]);
    expect(linkLikelyDuplicates(db, person).linked).toBe(1);
    const leader = idOf(db, 'h1', hospital);
    expect(linkOf(db, idOf(db, 'p1', portal))).toBe(leader);
    expect(getRecord(db, leader).entry.sources).toBe(3);
  });

  it('looks again at a record whose value changed at its source', () => {
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01', 98)]);
    storeResources(db, person, files, [glucose('f1', '2024-03-01', 98)]);
    linkLikelyDuplicates(db, person);
    const leader = idOf(db, 'h1', hospital);
    const copy = idOf(db, 'f1', files);
    // The hospital corrects its result: the two are no longer the same.
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01', 101)]);
    linkLikelyDuplicates(db, person);
    expect([linkOf(db, leader), linkOf(db, copy)]).toEqual([null, null]);
    // The file's copy is corrected too: linked again, the earlier stored still leading.
    storeResources(db, person, files, [glucose('f1', '2024-03-01', 101)]);
    expect(linkLikelyDuplicates(db, person).linked).toBe(1);
    expect(linkOf(db, copy)).toBe(leader);
  });

  it('lets a changed earlier record lead the group it now matches', () => {
    const portal = importConnection(db, person, 'Patient portal');
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01', 98)]);
    storeResources(db, person, files, [glucose('f1', '2024-03-01', 99)]);
    storeResources(db, person, portal, [glucose('p1', '2024-03-01', 99)]);
    linkLikelyDuplicates(db, person);
    const [h1, f1, p1] = [idOf(db, 'h1', hospital), idOf(db, 'f1', files), idOf(db, 'p1', portal)];
    expect([linkOf(db, h1), linkOf(db, f1), linkOf(db, p1)]).toEqual([null, null, f1]);
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01', 99)]);
    linkLikelyDuplicates(db, person);
    expect([linkOf(db, h1), linkOf(db, f1), linkOf(db, p1)]).toEqual([null, h1, h1]);
    expect(allPages(db, { personId: person, limit: 100 }).map((e) => [e.id, e.sources])).toEqual([[h1, 3]]);
  });

  it('links the same whichever runs the records arrived in', () => {
    const portal = importConnection(db, person, 'Patient portal');
    const day = (n: number) => `2024-03-0${1 + (n % 3)}`;
    for (let i = 0; i < 12; i++) {
      const connection = [hospital, files, portal][i % 3]!;
      storeResources(db, person, connection, [glucose(`g${i}`, day(i >> 2), 90 + (i % 2))]);
      if (i % 4 === 3) linkLikelyDuplicates(db, person);
    }
    linkLikelyDuplicates(db, person);
    const piecewise = db.prepare('SELECT id, duplicate_of FROM resources ORDER BY id').raw().all() as [
      number,
      number | null,
    ][];
    db.prepare('UPDATE resources SET duplicate_of = NULL').run();
    db.prepare(`DELETE FROM settings WHERE key LIKE 'likely-duplicates.%'`).run();
    linkLikelyDuplicates(db, person);
    expect(db.prepare('SELECT id, duplicate_of FROM resources ORDER BY id').raw().all()).toEqual(piecewise);
    expect(piecewise.filter(([, leader]) => leader !== null)).toHaveLength(6);
  });

  it('hands a group on when its leader’s connection is removed', () => {
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01', 98)]);
    storeResources(db, person, files, [glucose('f1', '2024-03-01', 98)]);
    const portal = importConnection(db, person, 'Patient portal');
    storeResources(db, person, portal, [glucose('p1', '2024-03-01', 98)]);
    linkLikelyDuplicates(db, person);
    deleteConnection(db, hospital);
    const copy = idOf(db, 'f1', files);
    expect(linkOf(db, copy)).toBeNull();
    expect(linkOf(db, idOf(db, 'p1', portal))).toBe(copy);
    expect(allPages(db, { personId: person, limit: 100 }).map((e) => [e.id, e.sources])).toEqual([[copy, 2]]);
  });

  it('keeps counts, pages and search in step, and each chosen source still shows all it sent', () => {
    storeResources(db, person, hospital, [glucose('h1', '2024-03-01', 98), vaccine('h2', '2023-10-02')]);
    storeResources(db, person, files, [glucose('f1', '2024-03-01', 98), glucose('f2', '2024-02-01', 90)]);
    linkLikelyDuplicates(db, person);
    const counts = timelineCounts(db, { personId: person });
    expect(counts).toEqual({ total: 3, byCategory: { labs: 2, immunizations: 1 } });
    expect(allPages(db, { personId: person, limit: 2 })).toHaveLength(3);
    expect(timelineCounts(db, { personId: person, query: 'glucose' }).total).toBe(2);
    expect(searchRecords(db, { personId: person, query: 'glucose', limit: 50 })).toHaveLength(2);
    // Only the imported files: both of their records, the copy among them.
    const onlyFiles = allPages(db, { personId: person, limit: 100, connectionIds: [files] });
    expect(onlyFiles.map((e) => e.source.label)).toEqual(['Imported files', 'Imported files']);
    expect(onlyFiles.find((e) => e.date?.startsWith('2024-03-01'))?.sources).toBe(2);
    expect(timelineCounts(db, { personId: person, connectionIds: [files] }).total).toBe(2);
    // Both sources chosen: the group once again.
    expect(allPages(db, { personId: person, limit: 100, connectionIds: [hospital, files] })).toHaveLength(3);
    expect(timelineCounts(db, { personId: person, connectionIds: [hospital, files] }).total).toBe(3);
    // Nothing is deleted: the stored counts still hold every record.
    expect(recordStats(db, person).total).toBe(4);
  });

  it('links a whole patient imported from two sources, on import', async () => {
    const [first] = await importFhirFiles(db, [DAISEY], {
      personId: person,
      sourceLabel: 'Example Hospital',
    });
    const before = timelineCounts(db, { personId: person });
    await importFhirFiles(db, [DAISEY], { personId: person, sourceLabel: 'Imported files' });
    const linked = db
      .prepare('SELECT count(*) FROM resources WHERE duplicate_of IS NOT NULL')
      .pluck()
      .get() as number;
    expect(linked).toBeGreaterThan(100);
    expect(recordStats(db, person).total).toBe(2 * first!.added);
    const after = timelineCounts(db, { personId: person });
    const hidden = db
      .prepare(
        `SELECT count(*) FROM resources WHERE duplicate_of IS NOT NULL AND category NOT IN ('billing', 'administrative')`,
      )
      .pluck()
      .get() as number;
    expect(after.total).toBe(2 * before.total - hidden);
    const entries = allPages(db, { personId: person, limit: 500 });
    expect(entries).toHaveLength(after.total);
    const grouped = entries.filter((e) => e.sources === 2);
    expect(grouped).toHaveLength(hidden);
    expect(grouped.every((e) => e.source.label === 'Example Hospital')).toBe(true);
    expect(getRecord(db, grouped[0]!.id).sources.map((s) => s.label)).toEqual([
      'Example Hospital',
      'Imported files',
    ]);
  });
});
