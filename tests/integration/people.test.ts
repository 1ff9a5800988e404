import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import { imported } from '../../testkit/chosen-files.js';
import { call, newVaultService } from '../support/connected-vault.js';
import { GEOFFREY } from '../support/temp-dir.js';

/** Renaming, editing and removing people in a real encrypted vault, through the service. */
describe('people in the vault', () => {
  let service: VaultService;
  let owner: number;
  const count = (sql: string, ...args: unknown[]) =>
    service.vault.db
      .prepare(sql)
      .pluck()
      .get(...args) as number;
  const importFor = (personId: number) => imported(service, GEOFFREY, personId);

  beforeAll(async () => {
    ({ service } = await newVaultService());
    owner = (await call(service, 'persons.list'))[0]!.id;
  });
  afterAll(() => service.close());

  it('renames a person and edits their birth date and relationship, keeping their records', async () => {
    const mia = await call(service, 'persons.add', { name: 'Mia', relationship: 'child' });
    await importFor(mia.id);
    const records = count('SELECT count(*) FROM resources WHERE person_id = ?', mia.id);
    expect(records).toBeGreaterThan(0);

    const renamed = await call(service, 'persons.rename', { personId: mia.id, name: '  Mia   Lee ' });
    expect(renamed).toMatchObject({ name: 'Mia Lee', relationship: 'child', birthDate: null });

    const edited = await call(service, 'persons.update', {
      personId: mia.id,
      name: 'Mia Lee',
      birthDate: '2019-03-14',
      relationship: 'relative',
    });
    expect(edited).toEqual({
      id: mia.id,
      name: 'Mia Lee',
      birthDate: '2019-03-14',
      relationship: 'relative',
      recordCount: records,
    });
    const forgotten = await call(service, 'persons.update', {
      personId: mia.id,
      name: 'Mia Lee',
      birthDate: null,
      relationship: 'child',
    });
    expect(forgotten.birthDate).toBeNull();
    expect((await call(service, 'persons.list')).find((p) => p.id === mia.id)).toEqual(forgotten);
  });

  it('refuses an empty name or an unknown person and changes nothing', async () => {
    const before = await call(service, 'persons.list');
    const empty = await service.dispatch('persons.rename', { personId: owner, name: '   ' });
    expect(empty).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    const unknown = await service.dispatch('persons.update', {
      personId: 999,
      name: 'Nobody',
      birthDate: null,
      relationship: 'other',
    });
    expect(unknown).toMatchObject({
      ok: false,
      error: { kind: 'not-found', message: 'That record or person no longer exists.' },
    });
    const badDate = await service.dispatch('persons.update', {
      personId: owner,
      name: 'Test Patient',
      birthDate: '14/03/2019',
      relationship: 'self',
    });
    expect(badDate).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(await call(service, 'persons.list')).toEqual(before);
  });

  it('says what removing a person takes, then removes their records and sources and nobody else’s', async () => {
    await importFor(owner);
    const sam = await call(service, 'persons.add', { name: 'Sam', relationship: 'partner' });
    await importFor(sam.id);
    await call(service, 'records.whatsNew', { personId: sam.id });
    const samRecords = count('SELECT count(*) FROM resources WHERE person_id = ?', sam.id);
    const othersBefore = {
      records: count('SELECT count(*) FROM resources WHERE person_id <> ?', sam.id),
      sources: count('SELECT count(*) FROM connections WHERE person_id <> ?', sam.id),
      history: count(
        'SELECT count(*) FROM resource_history h JOIN resources r ON r.id = h.resource_id WHERE r.person_id <> ?',
        sam.id,
      ),
      looks: count(
        "SELECT count(*) FROM settings WHERE key LIKE 'last-look:%' AND key <> ?",
        `last-look:${sam.id}`,
      ),
    };
    expect(othersBefore.records).toBeGreaterThan(0);
    expect(count('SELECT count(*) FROM settings WHERE key = ?', `last-look:${sam.id}`)).toBe(1);

    const removal = await call(service, 'persons.removal', { personId: sam.id });
    expect(removal).toEqual({ personId: sam.id, name: 'Sam', records: samRecords, sources: 1 });

    const removed = await call(service, 'persons.remove', { personId: sam.id });
    expect(removed).toEqual({ records: samRecords, sources: 1 });
    expect((await call(service, 'persons.list')).map((p) => p.name)).toEqual(['Test Patient', 'Mia Lee']);
    expect(count('SELECT count(*) FROM resources WHERE person_id = ?', sam.id)).toBe(0);
    expect(count('SELECT count(*) FROM connections WHERE person_id = ?', sam.id)).toBe(0);
    expect(count('SELECT count(*) FROM settings WHERE key = ?', `last-look:${sam.id}`)).toBe(0);
    // The search index lost exactly the removed records' rows.
    expect(count('SELECT count(*) FROM resources_fts')).toBe(count('SELECT count(*) FROM resources'));
    expect({
      records: count('SELECT count(*) FROM resources WHERE person_id <> ?', sam.id),
      sources: count('SELECT count(*) FROM connections WHERE person_id <> ?', sam.id),
      history: count(
        'SELECT count(*) FROM resource_history h JOIN resources r ON r.id = h.resource_id WHERE r.person_id <> ?',
        sam.id,
      ),
      looks: count(
        "SELECT count(*) FROM settings WHERE key LIKE 'last-look:%' AND key <> ?",
        `last-look:${sam.id}`,
      ),
    }).toEqual(othersBefore);
    expect(service.vault.db.pragma('foreign_key_check')).toEqual([]);

    const again = await service.dispatch('persons.remove', { personId: sam.id });
    expect(again).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  it('keeps the last person, saying why', async () => {
    const mia = (await call(service, 'persons.list')).find((p) => p.name === 'Mia Lee')!;
    await call(service, 'persons.remove', { personId: mia.id });
    const last = await service.dispatch('persons.remove', { personId: owner });
    expect(last).toMatchObject({
      ok: false,
      error: {
        kind: 'last-person',
        message:
          'A vault keeps the records of at least one person. Add someone else before removing this person; nothing was removed.',
      },
    });
    expect((await call(service, 'persons.list')).map((p) => p.id)).toEqual([owner]);
    expect(count('SELECT count(*) FROM resources WHERE person_id = ?', owner)).toBeGreaterThan(0);
  });
});
