import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { linkLikelyDuplicates } from '../../electron/core/records/likely-duplicates.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import { deleteConnection, importConnection } from '../../electron/core/vault/connections.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import type { TimelineEntry } from '../../shared/domain.js';
import { call, newVaultService } from '../support/connected-vault.js';
import { labResult } from '../support/fhir-builders.js';
import { storeResources } from '../support/stored-records.js';
import { GEOFFREY } from '../support/temp-dir.js';

type Db = VaultService['vault']['db'];

const glucose = (id: string, date: string, value: number): Json =>
  labResult({ id, date, value, text: 'Glucose' });

function visit(id: string, date: string): Json {
  return {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { code: 'AMB' },
    type: [{ text: 'Check-up' }],
    period: { start: date },
  };
}

function careTeamMember(id: string): Json {
  return { resourceType: 'Practitioner', id, name: [{ family: 'Osler', given: ['William'] }] };
}

function store(db: Db, personId: number, connectionId: number, resources: Json[]) {
  storeResources(db, personId, connectionId, resources);
  linkLikelyDuplicates(db, personId);
}

async function timeline(service: VaultService, personId: number): Promise<TimelineEntry[]> {
  const page = await call(service, 'timeline.page', { personId, limit: 500 });
  return page.entries;
}

describe('what is new since the person last looked', () => {
  let service: VaultService;
  let db: Db;
  let ada: number;
  let hospital: number;
  let files: number;

  beforeEach(async () => {
    ({ service } = await newVaultService());
    db = service.vault.db;
    ada = addPerson(db, { name: 'Ada', relationship: 'child' }).id;
    hospital = importConnection(db, ada, 'Example Hospital');
    files = importConnection(db, ada, 'Imported files');
  });
  afterEach(() => service.vault.lock());

  it('the first look reports nothing and is remembered; a person with no records is not looked at yet', async () => {
    const empty = await call(service, 'records.whatsNew', { personId: ada });
    expect(empty).toMatchObject({ since: null, total: 0, sources: [], entries: [] });
    store(db, ada, hospital, [glucose('g1', '2024-01-02', 90), visit('v1', '2024-01-02')]);
    // Still the first look: her first records are not "new since last time".
    const first = await call(service, 'records.whatsNew', { personId: ada });
    expect(first).toMatchObject({ since: null, total: 0 });
    expect((await timeline(service, ada)).every((e) => e.isNew === false)).toBe(true);

    const second = await call(service, 'records.whatsNew', { personId: ada });
    expect(second.since).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(second.total).toBe(0);
  });

  it('counts what arrived since, by kind and source, as the timeline shows it, and marks the timeline', async () => {
    store(db, ada, hospital, [glucose('g1', '2024-01-02', 90), visit('v1', '2024-01-02')]);
    await call(service, 'records.markLooked', { personId: ada });

    store(db, ada, hospital, [
      glucose('g2', '2024-03-01', 101),
      glucose('g3', '2024-04-01', 99),
      visit('v2', '2024-04-01'),
      careTeamMember('p1'),
    ]);
    // The same glucose as g2 from a second source: linked, shown once, never news.
    store(db, ada, files, [glucose('copy-of-g2', '2024-03-01', 101), visit('v3', '2024-05-01')]);
    // A changed version of an old record is not an arrival.
    store(db, ada, hospital, [glucose('g1', '2024-01-02', 91)]);

    const news = await call(service, 'records.whatsNew', { personId: ada });
    expect(news.since).not.toBeNull();
    expect(news.total).toBe(4);
    expect(news.byCategory).toEqual({ labs: 2, visits: 2 });
    expect(news.sources).toEqual(['Example Hospital', 'Imported files']);
    expect(news.entries.map((e) => e.title)).toHaveLength(4);
    expect(news.entries.every((e) => e.isNew)).toBe(true);
    expect(news.entries.map((e) => e.date?.slice(0, 10))).toEqual([
      '2024-05-01',
      '2024-04-01',
      '2024-04-01',
      '2024-03-01',
    ]);

    const entries = await timeline(service, ada);
    const fresh = entries.filter((e) => e.isNew);
    expect(fresh).toHaveLength(news.total);
    expect(new Set(fresh.map((e) => e.id))).toEqual(new Set(news.entries.map((e) => e.id)));
    expect(entries.find((e) => e.date?.startsWith('2024-01-02') && e.category === 'labs')?.isNew).toBe(false);
    // Search results are marked the same way.
    const found = await call(service, 'timeline.search', {
      personId: ada,
      query: 'glucose',
      limit: 50,
    });
    const freshIds = new Set(fresh.map((e) => e.id));
    expect(found.entries.some((e) => e.isNew) && found.entries.some((e) => !e.isNew)).toBe(true);
    for (const e of found.entries) expect(e.isNew).toBe(freshIds.has(e.id));

    // Another person's arrivals are theirs alone.
    const other = addPerson(db, { name: 'Ben', relationship: 'parent' }).id;
    await importFhirFiles(db, [GEOFFREY], { personId: other, sourceLabel: 'Example Clinic' });
    expect((await call(service, 'records.whatsNew', { personId: ada })).total).toBe(4);
  });

  it('"Got it" marks them seen; what arrives after the answer it was given stays new', async () => {
    store(db, ada, hospital, [glucose('g1', '2024-01-02', 90)]);
    await call(service, 'records.markLooked', { personId: ada });
    store(db, ada, hospital, [glucose('g2', '2024-02-02', 95)]);
    const shown = await call(service, 'records.whatsNew', { personId: ada });
    expect(shown.total).toBe(1);
    // A sync lands between the banner and the click.
    store(db, ada, files, [visit('v1', '2024-02-03')]);
    await call(service, 'records.markLooked', { personId: ada, through: shown.through });
    const after = await call(service, 'records.whatsNew', { personId: ada });
    expect(after).toMatchObject({ total: 1, byCategory: { visits: 1 }, sources: ['Imported files'] });
    expect((await timeline(service, ada)).filter((e) => e.isNew).map((e) => e.category)).toEqual(['visits']);

    await call(service, 'records.markLooked', { personId: ada });
    expect(await call(service, 'records.whatsNew', { personId: ada })).toMatchObject({
      total: 0,
      byCategory: {},
      sources: [],
      entries: [],
    });
    expect((await timeline(service, ada)).some((e) => e.isNew)).toBe(false);
    await expect(call(service, 'records.markLooked', { personId: 999 })).rejects.toThrow(/not-found/);
  });

  it('survives the newest records being removed (ids handed out again)', async () => {
    store(db, ada, hospital, [glucose('g1', '2024-01-02', 90)]);
    store(db, ada, files, [glucose('g9', '2024-06-02', 120), visit('v9', '2024-06-02')]);
    await call(service, 'records.markLooked', { personId: ada });
    // The newest ids go with their source, and SQLite hands them out again.
    deleteConnection(db, files);
    const again = importConnection(db, ada, 'Riverside Clinic');
    await new Promise((resolve) => setTimeout(resolve, 5));
    store(db, ada, again, [glucose('r1', '2024-07-01', 100)]);
    const news = await call(service, 'records.whatsNew', { personId: ada });
    expect(news).toMatchObject({ total: 1, byCategory: { labs: 1 }, sources: ['Riverside Clinic'] });
  });

  it('counts many arrivals from the indexes, the same way', async () => {
    store(db, ada, hospital, [glucose('g0', '2020-01-01', 90)]);
    await call(service, 'records.markLooked', { personId: ada });
    const many = Array.from({ length: 5200 }, (_, i) =>
      glucose(`m${i}`, new Date(Date.UTC(2021, 0, 1) + i * 3_600_000).toISOString(), 80 + (i % 40)),
    );
    store(db, ada, hospital, [...many, careTeamMember('p1')]);
    store(db, ada, files, [
      glucose('dup', many[7]!.effectiveDateTime as string, 87),
      visit('v1', '2024-01-01'),
    ]);
    const news = await call(service, 'records.whatsNew', { personId: ada });
    expect(news.total).toBe(5201);
    expect(news.byCategory).toEqual({ labs: 5200, visits: 1 });
    expect(news.sources).toEqual(['Example Hospital', 'Imported files']);
    expect(news.entries).toHaveLength(20);
    expect(news.entries[0]!.date?.slice(0, 10)).toBe('2024-01-01');
  });
});
