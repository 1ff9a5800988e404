import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import type { CoreChannel, RequestOf } from '../../shared/ipc/contract.js';
import { chooseFiles, importChosen } from '../../testkit/chosen-files.js';
import { call as callOn, newVaultService } from '../support/connected-vault.js';
import { fileOnDisk } from '../support/file-on-disk.js';
import { GEOFFREY, fixtures } from '../support/temp-dir.js';

/**
 * Files chosen in the window: the shell hands their paths to the core, which reads each from disk,
 * and their records go to the person's "Imported files" source, as the command line's import does.
 */
describe('importing a file chosen in the window', () => {
  let service: VaultService;
  let owner: number;
  const call = <C extends CoreChannel>(channel: C, request?: RequestOf<C>) =>
    callOn(service, channel, request);
  const importFile = (fileName: string, content: Buffer | string, personId = owner) =>
    importChosen(service, fileOnDisk(fileName, content), personId);
  /** Whose the window says a file is, before the person decides; nothing is stored. */
  const whose = async (fileName: string, content: Buffer | string, personId = owner) => {
    const [file] = await chooseFiles(service, [fileOnDisk(fileName, content)]);
    const [preview] = await call('imports.preview', { personId, tokens: [file!.token] });
    return preview!.outcome === 'ready' ? { whose: preview!.whose, patients: preview!.patients } : preview;
  };
  const recordCount = () =>
    service.vault.db.prepare('SELECT count(*) FROM resources').pluck().get() as number;
  const sources = () => call('connections.list', { personId: owner });

  beforeAll(async () => {
    ({ service } = await newVaultService());
    owner = (await call('persons.list'))[0]!.id;
  });
  afterAll(() => service.close());

  it('refuses a file that is not FHIR in the person’s words, and stores nothing, not even a source', async () => {
    const answer = await importFile('letter.json', 'Dear patient, ');
    expect(answer).toMatchObject({
      ok: false,
      error: {
        kind: 'bad-input',
        message:
          'letter.json is not valid JSON. That file could not be read as health records. Nothing was stored from it.',
      },
    });
    const notFhir = await importFile('list.json', JSON.stringify({ items: [1, 2] }));
    expect(notFhir).toMatchObject({
      ok: false,
      error: {
        kind: 'bad-input',
        message: expect.stringMatching(
          /^list\.json is not FHIR JSON \(it has no resourceType\)\./,
        ) as unknown,
      },
    });
    expect(recordCount()).toBe(0);
    expect(await sources()).toEqual([]);
  });

  it('says whose a file about another patient is before filing it, then stores its records under "Imported files"; the same file again changes nothing', async () => {
    const bundle = readFileSync(GEOFFREY);
    const entries = (JSON.parse(bundle.toString('utf8')) as { entry: unknown[] }).entry.length;
    // Geoffrey's file, for the vault's owner (Test Patient): whose it is, and nothing stored yet.
    expect(await whose('Geoffrey Abbott.json', bundle)).toEqual({
      whose: 'differs',
      patients: [{ name: 'Geoffrey Abbott', birthDate: '1992-07-03' }],
    });
    expect(recordCount()).toBe(0);
    expect(await sources()).toEqual([]);

    // The person says it is theirs.
    const first = await importFile('Geoffrey Abbott.json', bundle);
    expect(first).toMatchObject({
      ok: true,
      value: {
        personId: owner,
        newPerson: null,
        fhirVersion: 'R4',
        added: entries,
        updated: 0,
        unchanged: 0,
        problems: [],
        problemCount: 0,
      },
    });
    expect(recordCount()).toBe(entries);
    const [source] = await sources();
    expect(source).toMatchObject({ label: 'Imported files', kind: 'import', recordCount: entries });
    expect(first.ok && first.value).toMatchObject({ connectionId: source!.id });

    const again = await importFile('Geoffrey Abbott (copy).json', bundle);
    expect(again).toMatchObject({ ok: true, value: { added: 0, unchanged: entries } });
    expect(recordCount()).toBe(entries);
    const page = await call('timeline.page', { personId: owner, limit: 5 });
    expect(page.entries.length).toBe(5);
  });

  it('files a file about the person without asking', async () => {
    const geoffrey = await call('persons.add', {
      name: 'Geoffrey Abbott',
      birthDate: '1992-07-03',
      relationship: 'child',
    });
    expect(await whose('mine.json', readFileSync(GEOFFREY), geoffrey.id)).toMatchObject({ whose: 'match' });
    const answer = await importFile('mine.json', readFileSync(GEOFFREY), geoffrey.id);
    expect(answer).toMatchObject({ ok: true, value: { personId: geoffrey.id } });
  });

  it('reads NDJSON, stores the lines it can and says which it could not', async () => {
    const before = recordCount();
    const lines = [
      JSON.stringify({ resourceType: 'Condition', id: 'nd-1', code: { text: 'Hay fever' } }),
      '{ not json',
      JSON.stringify({ resourceType: 'Immunization', id: 'nd-2', vaccineCode: { text: 'Flu shot' } }),
    ].join('\n');
    // No Patient in it: nothing to ask.
    expect(await whose('export.ndjson', lines)).toEqual({ whose: 'unknown', patients: [] });
    const answer = await importFile('export.ndjson', lines);
    expect(answer).toMatchObject({
      ok: true,
      value: {
        added: 2,
        problems: [{ where: 'line 2', problem: 'is not valid JSON' }],
        problemCount: 1,
      },
    });
    expect(recordCount()).toBe(before + 2);
    expect(await sources()).toHaveLength(1);
  });

  it('takes a C-CDA document the same way, asking first when its patient is someone else', async () => {
    const ccd = readFileSync(`${fixtures}cda-documents/CCD_2.xml`);
    expect(await whose('record.xml', ccd)).toEqual({
      whose: 'differs',
      patients: [{ name: 'Isabella Jones', birthDate: '1950-12-19' }],
    });
    const before = recordCount();
    const answer = await importFile('record.xml', ccd);
    expect(answer).toMatchObject({
      ok: true,
      value: {
        format: 'ccda',
        about:
          'C-CDA Continuity of Care Document from The Doctors Together Physician Group, 2014-10-15, 16 entries',
      },
    });
    expect(recordCount()).toBeGreaterThan(before + 16);
    const source = (await sources()).find((s) => answer.ok && s.id === answer.value.connectionId);
    expect(source).toMatchObject({
      kind: 'import',
      label: 'The Doctors Together Physician Group',
    });
  });

  it('refuses a person who is not in the vault, and a file the shell never handed over', async () => {
    expect(await importFile('a.json', '{}', 9999)).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    const unknown = await service.dispatch('imports.run', {
      personId: owner,
      token: 'never-handed-over-0000',
      as: 'this-person',
    });
    expect(unknown).toMatchObject({ ok: false, error: { kind: 'bad-input' } });
    const made = await service.dispatch('imports.run', {
      personId: owner,
      token: '../a.json',
      as: 'this-person',
    });
    expect(made).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
  });
});
