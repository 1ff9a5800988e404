import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HIGHLIGHT_END, HIGHLIGHT_START } from '../../shared/ipc/contract.js';
import { isVaultError } from '../../electron/core/errors.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { listConnections } from '../../electron/core/vault/connections.js';
import { addPerson, listPersons } from '../../electron/core/vault/persons.js';
import { storeRecords, contentHash } from '../../electron/core/vault/record-store.js';
import { searchRecords } from '../../electron/core/vault/search.js';
import { getRecord, recordStats, timelinePage } from '../../electron/core/vault/timeline.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { DAISEY, FAST_SCRYPT, GEOFFREY, US_CORE_355, tempDir } from '../support/temp-dir.js';
import { allPages } from '../support/timeline-pages.js';

async function openVault() {
  const vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
  await vault.create('correct horse battery');
  return vault;
}

describe('records in the vault', () => {
  let vault: VaultFile;
  let daisey: number;
  let geoffrey: number;

  beforeAll(async () => {
    vault = await openVault();
    daisey = addPerson(vault.db, { name: 'Daisey', relationship: 'child' }).id;
    geoffrey = addPerson(vault.db, { name: 'Geoffrey', relationship: 'parent' }).id;
    await importFhirFiles(vault.db, [DAISEY], {
      personId: daisey,
      sourceLabel: 'Example Children’s Hospital',
      batchSize: 50,
    });
    await importFhirFiles(vault.db, [GEOFFREY], { personId: geoffrey, sourceLabel: 'Example Clinic' });
    return () => vault.lock();
  });

  it('keeps each person’s records apart', () => {
    const persons = listPersons(vault.db);
    expect(persons.map((p) => [p.name, p.recordCount])).toEqual([
      ['Daisey', 312],
      ['Geoffrey', 109],
    ]);
    expect(recordStats(vault.db, daisey).byType).toMatchObject({
      Observation: 131,
      Immunization: 33,
      AllergyIntolerance: 8,
    });
    expect(recordStats(vault.db).total).toBe(421);
    expect(allPages(vault.db, { personId: geoffrey, limit: 100 }).every((e) => e.personId === geoffrey)).toBe(
      true,
    );
    expect(listConnections(vault.db, daisey).map((c) => c.label)).toEqual(['Example Children’s Hospital']);
  });

  it('fills the timeline columns from the record', () => {
    const entries = allPages(vault.db, {
      personId: daisey,
      limit: 500,
      categories: ['allergies', 'immunizations', 'labs', 'vitals'],
    });
    const allergy = entries.find((e) => e.category === 'allergies');
    expect(allergy?.title).toBeTruthy();
    expect(allergy?.title).not.toMatch(/^\d+$/);
    const vital = entries.find((e) => e.category === 'vitals' && e.title.includes('Body Height'));
    expect(vital?.value).toMatch(/^\d+(\.\d+)? cm$/);
    expect(vital?.unit).toBe('cm');
    const bp = entries.find((e) => e.title === 'Blood Pressure');
    expect(bp?.value).toMatch(/^\d+\/\d+ mmHg$/);
    const [systolic, diastolic] = bp!.value!.split(' ')[0]!.split('/').map(Number);
    expect(systolic).toBeGreaterThan(diastolic!);
    expect(entries.every((e) => e.date === null || !Number.isNaN(Date.parse(e.date)))).toBe(true);
  });

  it('pages by keyset, newest first, without gaps or repeats', () => {
    const pages = allPages(vault.db, { personId: daisey, limit: 7 });
    const whole = timelinePage(vault.db, { personId: daisey, limit: 500 }).entries;
    expect(pages.map((e) => e.id)).toEqual(whole.map((e) => e.id));
    expect(new Set(pages.map((e) => e.id)).size).toBe(pages.length);
    const dated = pages.filter((e) => e.date !== null).map((e) => e.date!);
    expect(dated).toEqual([...dated].sort().reverse());
    // Billing and directory records are stored but kept out of the default timeline.
    expect(pages.some((e) => e.category === 'billing' || e.category === 'administrative')).toBe(false);
    expect(pages.length).toBe(312 - 38 - 32 - 2 - 2 - 1);
  });

  it('filters by category, source and date range, alone and together', () => {
    const immunizations = allPages(vault.db, { personId: daisey, limit: 100, categories: ['immunizations'] });
    expect(immunizations).toHaveLength(33);
    const dates = immunizations.map((e) => e.date!).sort();
    const mid = dates[16]!.slice(0, 10);
    const recent = allPages(vault.db, {
      personId: daisey,
      limit: 100,
      categories: ['immunizations'],
      from: mid,
    });
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.length).toBeLessThan(33);
    expect(recent.every((e) => e.date! >= `${mid}T00:00:00.000Z`)).toBe(true);
    const older = allPages(vault.db, {
      personId: daisey,
      limit: 100,
      categories: ['immunizations'],
      to: mid,
    });
    expect(
      older.every((e) => e.date! < new Date(Date.parse(`${mid}T00:00:00Z`) + 86_400_000).toISOString()),
    ).toBe(true);
    expect(older.length + recent.length).toBeGreaterThanOrEqual(33);
    const [connection] = listConnections(vault.db, daisey);
    expect(
      allPages(vault.db, { personId: daisey, limit: 100, connectionIds: [connection!.id] }).length,
    ).toBeGreaterThan(0);
    expect(allPages(vault.db, { personId: daisey, limit: 100, connectionIds: [999] })).toHaveLength(0);
    const year = allPages(vault.db, { personId: daisey, limit: 100, from: '2019', to: '2019' });
    expect(year.every((e) => e.date!.startsWith('2019'))).toBe(true);
  });

  it('refuses a cursor it did not make', () => {
    try {
      timelinePage(vault.db, { personId: daisey, limit: 10, cursor: 'not-a-cursor' });
      expect.unreachable();
    } catch (error) {
      expect(isVaultError(error, 'invalid-request')).toBe(true);
    }
  });

  it('finds records by words and by code, and marks what matched', () => {
    const hits = searchRecords(vault.db, { personId: daisey, query: 'body heig', limit: 20 });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]!.highlight).toContain(`${HIGHLIGHT_START}Body${HIGHLIGHT_END}`);
    expect(hits.every((h) => h.personId === daisey)).toBe(true);
    const byCode = searchRecords(vault.db, { personId: daisey, query: '8302-2', limit: 20 });
    expect(byCode.length).toBeGreaterThan(0);
    expect(searchRecords(vault.db, { personId: geoffrey, query: 'zzzqqq', limit: 20 })).toEqual([]);
    for (const hostile of ['"', 'NEAR(', 'a OR', '*', ')(', "'; DROP TABLE resources; --", 'display:x']) {
      expect(() => searchRecords(vault.db, { personId: daisey, query: hostile, limit: 5 })).not.toThrow();
    }
    expect(recordStats(vault.db).total).toBe(421);
  });

  it('stores the same record twice as one, and a changed record as a new version', () => {
    const first = timelinePage(vault.db, { personId: geoffrey, limit: 1, categories: ['immunizations'] })
      .entries[0]!;
    const record = getRecord(vault.db, first.id);
    const resource = record.resource as Record<string, unknown>;
    const connectionId = first.source.connectionId;
    const again = vault.db.transaction(() =>
      storeRecords(vault.db, geoffrey, connectionId, [{ resource: { ...resource }, fhirVersion: 'R4' }]),
    )();
    expect(again).toEqual({ added: 0, updated: 0, unchanged: 1 });
    // Same content with its keys in another order is still the same record.
    const reordered = Object.fromEntries(Object.entries(resource).reverse());
    expect(
      vault.db.transaction(() =>
        storeRecords(vault.db, geoffrey, connectionId, [{ resource: reordered, fhirVersion: 'R4' }]),
      )(),
    ).toEqual({ added: 0, updated: 0, unchanged: 1 });
    // A record stored with the earlier, key-order-free hash is recognised, and its hash brought up
    // to date, so the slow comparison happens once.
    const hashOf = () =>
      (
        vault.db.prepare('SELECT content_hash AS h FROM resources WHERE id = ?').get(first.id) as {
          h: string;
        }
      ).h;
    vault.db
      .prepare('UPDATE resources SET content_hash = ? WHERE id = ?')
      .run(contentHash(resource), first.id);
    expect(
      vault.db.transaction(() =>
        storeRecords(vault.db, geoffrey, connectionId, [{ resource: { ...resource }, fhirVersion: 'R4' }]),
      )(),
    ).toEqual({ added: 0, updated: 0, unchanged: 1 });
    expect(hashOf()).toMatch(/^t:/);
    const changed = { ...resource, status: 'entered-in-error' };
    expect(
      vault.db.transaction(() =>
        storeRecords(vault.db, geoffrey, connectionId, [{ resource: changed, fhirVersion: 'R4' }]),
      )(),
    ).toEqual({ added: 0, updated: 1, unchanged: 0 });
    const after = getRecord(vault.db, first.id);
    expect(after.versions).toBe(2);
    expect(after.entry.status).toBe('entered-in-error');
    const history = vault.db
      .prepare('SELECT version, raw FROM resource_history WHERE resource_id = ?')
      .all(first.id) as {
      version: number;
      raw: string;
    }[];
    expect(history).toHaveLength(1);
    expect(JSON.parse(history[0]!.raw)).toEqual(resource);
  });

  it('imports the same file again without duplicating anything', async () => {
    const [report] = await importFhirFiles(vault.db, [DAISEY], {
      personId: daisey,
      sourceLabel: 'Example Children’s Hospital',
    });
    expect(report).toMatchObject({ added: 0, updated: 0, unchanged: 312 });
    expect(recordStats(vault.db, daisey).total).toBe(312);
  });

  it('keeps each record of a Bundle file as the file wrote it', () => {
    const file = readFileSync(DAISEY, 'utf8');
    const raws = vault.db
      .prepare('SELECT raw FROM resources WHERE person_id = ?')
      .pluck()
      .all(daisey) as string[];
    expect(raws).toHaveLength(312);
    // The fixture is indented: each record is that very text, not JSON.stringify's.
    for (const raw of raws) {
      expect(raw).toContain('\n');
      expect(file.includes(raw)).toBe(true);
    }
  });

  it('survives a record that breaks the FHIR schema', async () => {
    const person = addPerson(vault.db, { name: 'US Core 355', relationship: 'other' }).id;
    const [report] = await importFhirFiles(vault.db, [US_CORE_355], { personId: person });
    expect(report!.added + report!.updated).toBe(473);
    const entries = allPages(vault.db, { personId: person, limit: 500, categories: ['documents'] });
    expect(entries.length).toBeGreaterThan(0);
  });
});

describe('reading files', () => {
  async function importText(name: string, text: string) {
    const vault = await openVault();
    const person = addPerson(vault.db, { name: 'Ada', relationship: 'self' }).id;
    const path = join(tempDir(), name);
    writeFileSync(path, text);
    try {
      return {
        reports: await importFhirFiles(vault.db, [path], { personId: person }),
        total: recordStats(vault.db).total,
      };
    } catch (error) {
      return { error, total: recordStats(vault.db).total };
    } finally {
      vault.lock();
    }
  }

  const obs = (id: string) =>
    JSON.stringify({ resourceType: 'Observation', id, status: 'final', code: { text: 'Glucose' } });

  it('reads a single resource and NDJSON', async () => {
    expect((await importText('one.json', obs('a'))).total).toBe(1);
    const ndjson = await importText('many.ndjson', `${obs('a')}\n${obs('b')}\n\n${obs('c')}\n`);
    expect(ndjson.total).toBe(3);
  });

  it('keeps the good lines of an NDJSON file and lists the bad ones', async () => {
    const result = await importText('mixed.ndjson', `${obs('a')}\n{ broken\n{"hello": 1}\n${obs('b')}\n`);
    expect(result.total).toBe(2);
    expect(result.reports?.[0]?.problems).toEqual([
      { where: 'line 2', problem: 'is not valid JSON' },
      { where: 'line 3', problem: 'is not a FHIR resource' },
    ]);
  });

  it.each([
    ['broken.json', '{"resourceType": "Bundle", "entry": [', 'broken.json is not valid JSON.'],
    ['notfhir.json', '{"hello": "world"}', 'notfhir.json is not FHIR JSON (it has no resourceType).'],
    [
      'empty.json',
      '{"resourceType": "Bundle", "type": "collection", "entry": []}',
      'a Bundle with no records',
    ],
    ['nothing.ndjson', 'garbage\nmore garbage\n', 'holds no FHIR resources'],
    ['binary.json', '\u0000\u0001\u0002', 'not valid JSON'],
  ])('refuses %s with a clear message and stores nothing', async (name, text, message) => {
    const result = await importText(name, text);
    expect(result.total).toBe(0);
    expect(isVaultError(result.error, 'bad-input')).toBe(true);
    expect((result.error as Error).message).toContain(message);
  });

  it('reports a missing file in the user’s words', async () => {
    const vault = await openVault();
    const person = addPerson(vault.db, { name: 'Ada', relationship: 'self' }).id;
    await expect(importFhirFiles(vault.db, ['/nonexistent/file.json'], { personId: person })).rejects.toThrow(
      'file.json could not be opened.',
    );
    vault.lock();
  });
});
