import type { CoreChannel, RequestOf } from '../../shared/ipc/contract.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import { CUT_NOTE, MAX_NESTING } from '../../electron/core/records/resource-bounds.js';
import { importConnection } from '../../electron/core/vault/connections.js';
import { storeRecords } from '../../electron/core/vault/record-store.js';
import { importChosen, imported } from '../../testkit/chosen-files.js';
import { call as callOn, newVaultService } from '../support/connected-vault.js';
import { fileOnDisk } from '../support/file-on-disk.js';
import { everyViewProblems } from '../support/every-view.js';

/**
 * Files made to hurt: nesting no record needs, Bundles inside Bundles thousands deep, texts of
 * megabytes, records of the right type and the wrong shape. Each ends in a stored result or a
 * refusal in the person's words, soon, and every view and export of what was stored still works.
 */
describe('hostile files through the import', () => {
  let service: VaultService;
  let owner: number;
  const call = <C extends CoreChannel>(channel: C, request?: RequestOf<C>) =>
    callOn(service, channel, request);
  const importFile = (fileName: string, content: string) =>
    importChosen(service, fileOnDisk(fileName, content), owner);
  const importedFile = (fileName: string, content: string) =>
    imported(service, fileOnDisk(fileName, content), owner);
  const recordCount = () =>
    service.vault.db.prepare('SELECT count(*) FROM resources').pluck().get() as number;
  const sources = () => call('connections.list', { personId: owner });
  const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  beforeAll(async () => {
    ({ service } = await newVaultService());
    owner = (await call('persons.list'))[0]!.id;
  });
  afterAll(() => service.close());

  it('refuses a record nested 100,000 deep, naming why, and stores nothing, not even a source', async () => {
    const text = `{"resourceType":"Observation","id":"deep","status":"final","extension":${deepArray(100_000)}}`;
    const answer = await importFile('deep.json', text);
    expect(answer).toEqual({
      ok: false,
      error: {
        kind: 'bad-input',
        message: `deep.json is nested more than ${MAX_NESTING} levels deep. That file could not be read as health records. Nothing was stored from it.`,
      },
    });
    expect(recordCount()).toBe(0);
    expect(await sources()).toEqual([]);
  });

  it('leaves out a Bundle entry nested too deep and a text of ten million characters, keeping the rest', async () => {
    const bundle = `{"resourceType":"Bundle","type":"collection","entry":[
      {"resource":{"resourceType":"Observation","id":"deep","status":"final","code":{"text":"Deep"},"extension":${deepArray(5000)}}},
      {"resource":{"resourceType":"Condition","id":"long","code":{"text":"${'x'.repeat(10_000_000)}"}}},
      {"resource":{"resourceType":"Condition","id":"fine","code":{"text":"Asthma"}}}]}`;
    const answer = await importedFile('mixed.json', bundle);
    expect(answer.added).toBe(1);
    expect(answer.problems).toEqual([
      { where: 'mixed.json entry 1', problem: `is nested more than ${MAX_NESTING} levels deep` },
      {
        where: 'mixed.json entry 2',
        problem: 'has a text of 10,000,000 characters in “text” (the most PHR Vault keeps is 1,000,000)',
      },
    ]);
    expect(await everyViewProblems(service, owner)).toEqual([]);
  });

  it('reads 2,000 Bundles nested in each other at once, keeping the first levels and saying what was left out', async () => {
    // Each level re-read the text below it: quadratic, minutes for a few megabytes.
    const levels = 2000;
    let text = '';
    for (let level = levels; level >= 1; level--) {
      const observation = `{"resource":{"resourceType":"Observation","id":"level-${level}","status":"final","code":{"text":"Level ${level}"},"valueQuantity":{"value":${level},"unit":"mg"},"effectiveDateTime":"2020-01-01"}}`;
      const inner = text ? `,{"resource":${text}}` : '';
      text = `{"resourceType":"Bundle","type":"collection","entry":[${observation}${inner}]}`;
    }
    const answer = await importedFile('nested.json', text);
    expect(answer.added).toBe(8);
    expect(answer.problems).toEqual([
      {
        where: `nested.json${' entry 2'.repeat(8)}`,
        problem: 'is a Bundle nested more than 8 deep: what it holds was left out',
      },
    ]);
    expect(await everyViewProblems(service, owner)).toEqual([]);
  }, 30_000);

  it('answers a file of 100,000 nested Bundles in plain words', async () => {
    const levels = 100_000;
    const text = `${'{"resourceType":"Bundle","entry":[{"resource":'.repeat(levels)}{"resourceType":"Bundle"}${'}]}'.repeat(levels)}`;
    const answer = await importFile('abyss.json', text);
    expect(answer).toEqual({
      ok: false,
      error: {
        kind: 'bad-input',
        message:
          'abyss.json is a Bundle with no records in it. That file could not be read as health records. Nothing was stored from it.',
      },
    });
  }, 30_000);

  it('opens a record nested too deep that a vault stored before imports had bounds, cut where it goes too deep', async () => {
    const connectionId = importConnection(service.vault.db, owner, 'Older files');
    const raw = `{"resourceType":"Observation","id":"old-deep","status":"final","code":{"text":"Old deep"},"extension":${deepArray(100_000)}}`;
    const resource = JSON.parse(raw) as Record<string, unknown>;
    const db = service.vault.db;
    db.transaction(() => storeRecords(db, owner, connectionId, [{ resource, raw, fhirVersion: 'R4' }]))();
    const id = service.vault.db
      .prepare(`SELECT id FROM resources WHERE server_id = 'old-deep'`)
      .pluck()
      .get() as number;
    const answer = await service.dispatch('records.get', { id });
    // The core worker clones every answer to send it; the host writes it as JSON.
    expect(() => structuredClone(answer)).not.toThrow();
    expect(() => JSON.stringify(answer)).not.toThrow();
    expect(answer.ok).toBe(true);
    const shown = JSON.parse((answer as { value: { json: string } }).value.json) as { extension: unknown };
    let value = shown.extension;
    let depth = 1;
    while (Array.isArray(value)) {
      value = value[0];
      depth++;
    }
    expect(value).toBe(CUT_NOTE);
    expect(depth).toBe(MAX_NESTING);
  });

  it('keeps records of the right type and the wrong shape, and every view and export still works', async () => {
    const odd = [
      { resourceType: 'Observation', id: 5 },
      { resourceType: 'Observation', id: 'o2', code: 'glucose', valueQuantity: { value: '7', unit: 5 } },
      {
        resourceType: 'Observation',
        id: 'o3',
        code: { coding: 'x' },
        effectiveDateTime: 20200101,
        category: 7,
      },
      {
        resourceType: 'Condition',
        id: 'c1',
        code: [1, 2],
        onsetDateTime: { when: 'now' },
        clinicalStatus: [],
      },
      {
        resourceType: 'MedicationRequest',
        id: 'm1',
        medicationCodeableConcept: 'aspirin',
        dosageInstruction: 'x',
      },
      { resourceType: 'AllergyIntolerance', id: 'a1', code: null, reaction: { manifestation: 5 } },
      { resourceType: 'Immunization', id: 'i1', vaccineCode: [{}], occurrenceDateTime: true },
      { resourceType: 'DiagnosticReport', id: 'd1', result: 'x', presentedForm: { data: 3 } },
      { resourceType: 'Patient', id: 'p1', name: 'Bob', birthDate: 19900101, address: [null] },
      { resourceType: 'Procedure', id: 'pr1', performedPeriod: [] },
      { resourceType: 'Encounter', id: 'e1', period: 'yesterday', class: 1 },
      { resourceType: 'DocumentReference', id: 'r1', content: [{ attachment: 'file' }] },
    ];
    const answer = await importedFile('odd.ndjson', odd.map((r) => JSON.stringify(r)).join('\n'));
    expect(answer).toMatchObject({ added: odd.length, problemCount: 0 });
    expect(await everyViewProblems(service, owner)).toEqual([]);
  });

  it('keeps records holding, where text belongs, objects JavaScript cannot turn into text', async () => {
    // {"toString":1,"valueOf":1}: String(x) and `${x}` throw on it.
    const lines = [
      '{"resourceType":"Observation","id":"u1","meta":{"profile":[{"toString":1,"valueOf":1}]},"status":"final","code":{"coding":[{"system":{"toString":1},"code":{"toString":1,"valueOf":1},"display":{"toString":1}}],"text":{"toString":1}},"valueQuantity":{"value":{"toString":1},"unit":{"toString":1}},"effectiveDateTime":{"toString":1,"valueOf":1}}',
      '{"resourceType":"Condition","id":"u2","code":{"toString":1,"valueOf":1},"clinicalStatus":{"toString":1},"onsetDateTime":{"toString":1,"valueOf":1},"recordedDate":{"valueOf":1,"toString":1}}',
      '{"resourceType":"MedicationRequest","id":"u3","medicationCodeableConcept":{"coding":{"toString":1}},"authoredOn":{"toString":1,"valueOf":1},"status":{"toString":1,"valueOf":1}}',
      '{"resourceType":"Immunization","id":"u4","vaccineCode":{"text":{"toString":1,"valueOf":1}},"occurrenceDateTime":{"toString":1,"valueOf":1},"status":{"toString":1,"valueOf":1}}',
      '{"resourceType":"Patient","id":"u5","name":[{"given":[{"toString":1,"valueOf":1}],"family":{"toString":1,"valueOf":1}}],"birthDate":{"toString":1,"valueOf":1},"gender":{"toString":1,"valueOf":1}}',
    ];
    const answer = await importedFile('unprintable.ndjson', lines.join('\n'));
    expect(answer).toMatchObject({ added: lines.length, problemCount: 0 });
    expect(await everyViewProblems(service, owner)).toEqual([]);
  });

  it('converts, or leaves out saying why, older records with keys every object answers to and codes that are not text', async () => {
    const lines = [
      '{"resourceType":"Condition","id":"s1","__proto__":{"a":1},"constructor":2,"code":{"text":"Gout"},"clinicalStatus":"active"}',
      '{"resourceType":"Condition","id":"s2","code":{"coding":[{"code":{"toString":1,"valueOf":1}}]},"clinicalStatus":{"toString":1,"valueOf":1},"verificationStatus":"confirmed","assertedDate":"2020"}',
      '{"resourceType":"Observation","id":"s3","status":"final","category":[{"coding":[{"code":"constructor"}]}],"code":{"text":"Odd"},"context":{"reference":"Encounter/1"}}',
      '{"resourceType":"AllergyIntolerance","id":"s4","clinicalStatus":"active","verificationStatus":{"toString":1,"valueOf":1},"assertedDate":"2020","code":{"text":"Peanut"}}',
    ];
    const answer = await importedFile('older.ndjson', lines.join('\n'));
    expect(answer).toMatchObject({ added: lines.length, fhirVersion: 'STU3' });
    expect(await everyViewProblems(service, owner)).toEqual([]);
  });
});
