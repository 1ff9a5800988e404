import { readFileSync, writeFileSync } from 'node:fs';
import { unpackBackup, writeBackup } from '../../electron/core/vault/backup.js';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import type { CoreChannel, RequestOf } from '../../shared/ipc/contract.js';
import {
  call as callOn,
  closedAfterAll,
  connectTo,
  newVaultService,
  PASSPHRASE,
} from '../support/connected-vault.js';
import { keyedDatabase, vaultDataKey } from '../support/keyed-database.js';
import {
  cdaSchemaErrors,
  compileFhirSchema,
  compileSchematron,
  hasTool,
  NEEDS_VALUE_SETS,
  pdfText,
  schematronErrors,
} from '../support/export-validation.js';
import { resourcesFromBundle, startSyncEhr, type SyncEhr } from '../support/sync-ehr.js';
import { DAISEY, tempDir } from '../support/temp-dir.js';

/**
 * The patient's own words, through the service as the window calls it, on a vault synced from a
 * real records server (Synthea's Daisey Johns): notes and marks on what a hospital sent, and the
 * entries the patient makes themselves, down to the documents a new provider receives.
 */
describe('the patient’s own notes, marks and entries', () => {
  const opened = closedAfterAll();
  let service: VaultService;
  let ehr: SyncEhr;
  let connectionId: number;
  let personId: number;
  const dir = tempDir();
  const call = <C extends CoreChannel>(channel: C, request?: RequestOf<C>) =>
    callOn(service, channel, request);
  // The shell's part of saving an export: the core writes where the save dialog said.
  let saved = 0;
  const bytesOf = async (request: Omit<RequestOf<'export.toFile'>, 'path'>) => {
    const path = join(dir, `export-${++saved}`);
    await call('export.toFile', { ...request, path });
    return readFileSync(path);
  };
  /** The record as its source sent it, from the detail's "View FHIR JSON" text. */
  const sent = (detail: { json: string }) => JSON.parse(detail.json) as Json;

  beforeAll(async () => {
    ehr = await startSyncEhr({ fhirVersion: 'R4', resources: resourcesFromBundle(DAISEY) as Json[] });
    ({ service } = await newVaultService({ automatic: false }));
    opened.push({ service, ehr });
    connectionId = await connectTo(service, ehr);
    await service.sync.runAndWait(connectionId);
    personId = (await call('persons.list'))[0]!.id;
  });

  async function activeProblem() {
    const summary = await call('summary.get', { personId });
    const problem = summary.problems.find((p) => p.source.connectionId === connectionId);
    if (!problem) throw new Error('the fixture patient has no active problem');
    return problem;
  }

  it('keeps a note and marks beside a record, and through the same record synced again, even changed', async () => {
    const problem = await activeProblem();
    const before = await call('records.get', { id: problem.id });
    expect(before.note).toBeNull();
    expect(before.ownEntry).toBeNull();

    const note = await call('records.annotate', {
      id: problem.id,
      note: 'My GP says this was a misunderstanding.',
      markedWrong: true,
    });
    expect(note).toMatchObject({
      note: 'My GP says this was a misunderstanding.',
      markedWrong: true,
      hidden: false,
    });
    const after = await call('records.get', { id: problem.id });
    // The source's record is as it was sent: same JSON, same version.
    expect(sent(after)).toEqual(sent(before));
    expect(after.versions).toBe(before.versions);
    expect(after.note).toMatchObject({ markedWrong: true });
    expect(after.entry.marks).toEqual({ note: true, wrong: true, hidden: false });

    // The same record again, unchanged, then changed at the source: the note stays with it.
    await service.sync.runAndWait(connectionId);
    const resource = sent(before);
    ehr.fhir.put({ ...resource, note: [{ text: 'Reviewed at the clinic.' }] });
    const run = await service.sync.runAndWait(connectionId);
    expect(run.outcome).toBe('ok');
    const synced = await call('records.get', { id: problem.id });
    expect(synced.versions).toBe(before.versions + 1);
    expect(sent(synced).note).toEqual([{ text: 'Reviewed at the clinic.' }]);
    expect(synced.note).toMatchObject({ note: 'My GP says this was a misunderstanding.', markedWrong: true });

    // Only what is given changes; a note of spaces removes the note, and nothing left removes it all.
    expect(await call('records.annotate', { id: problem.id, note: '   ' })).toMatchObject({
      note: null,
      markedWrong: true,
    });
    expect(await call('records.annotate', { id: problem.id, markedWrong: false })).toBeNull();
    expect((await call('records.get', { id: problem.id })).entry.marks).toBeUndefined();
  });

  it('leaves a record marked wrong out of the Summary and of every export, unless the export asks for it', async () => {
    const problem = await activeProblem();
    const resource = sent(await call('records.get', { id: problem.id }));
    const inBundle = async (includeMarkedWrong: boolean) => {
      const bundle = JSON.parse(
        (await bytesOf({ personId, format: 'fhir', includeMarkedWrong })).toString('utf8'),
      ) as { entry: { resource: Json }[] };
      return bundle.entry.some(
        (e) => e.resource.resourceType === 'Condition' && e.resource.id === resource.id,
      );
    };
    // The C-CDA's problem entries, counted as the document says them.
    const ccdHas = async (includeMarkedWrong: boolean) =>
      (await call('export.preview', { personId, format: 'ccda', includeMarkedWrong })).sections.find(
        (s) => s.key === 'problems',
      )?.entries;
    const ipsHas = async (includeMarkedWrong: boolean) =>
      (await bytesOf({ personId, format: 'ips', includeMarkedWrong }))
        .toString('utf8')
        .includes(`"${String(resource.id)}"`);
    const previewCount = async (includeMarkedWrong: boolean) =>
      (await call('export.preview', { personId, format: 'fhir', includeMarkedWrong })).records;

    expect(await inBundle(false)).toBe(true);
    const problems = await ccdHas(false);
    expect(await ipsHas(false)).toBe(true);
    const all = await previewCount(false);

    await call('records.annotate', { id: problem.id, markedWrong: true });
    const summary = await call('summary.get', { personId });
    expect(summary.problems.map((p) => p.id)).not.toContain(problem.id);
    expect(await inBundle(false)).toBe(false);
    expect(await ccdHas(false)).toBe(problems! - 1);
    expect(await ipsHas(false)).toBe(false);
    expect(await previewCount(false)).toBe(all - 1);
    // Asked for, it goes.
    expect(await inBundle(true)).toBe(true);
    expect(await ccdHas(true)).toBe(problems);
    expect(await ipsHas(true)).toBe(true);
    expect(await previewCount(true)).toBe(all);
    // Still on the timeline, shown marked.
    const page = await call('timeline.page', { personId, categories: ['conditions'], limit: 500 });
    expect(page.entries.find((e) => e.id === problem.id)?.marks).toEqual({
      note: false,
      wrong: true,
      hidden: false,
    });
    await call('records.annotate', { id: problem.id, markedWrong: false });
  });

  it('leaves a hidden record off the timeline, its counts and search, unless hidden records are shown', async () => {
    const first = (await call('timeline.page', { personId, limit: 5 })).entries[0]!;
    const countsBefore = await call('timeline.counts', { personId });
    await call('records.annotate', { id: first.id, hidden: true });

    const ids = async (showHidden?: boolean) =>
      (
        await call('timeline.page', { personId, limit: 500, ...(showHidden ? { showHidden } : {}) })
      ).entries.map((e) => e.id);
    expect(await ids()).not.toContain(first.id);
    expect(await ids(true)).toContain(first.id);
    const shown = (await call('timeline.page', { personId, limit: 500, showHidden: true })).entries.find(
      (e) => e.id === first.id,
    );
    expect(shown?.marks).toEqual({ note: false, wrong: false, hidden: true });
    const countsAfter = await call('timeline.counts', { personId });
    expect(countsAfter.total).toBe(countsBefore.total - 1);
    expect(countsBefore.hidden).toBeUndefined();
    expect(countsAfter.hidden).toBe(1);
    expect((await call('timeline.counts', { personId, showHidden: true })).total).toBe(countsBefore.total);
    const word = first.title.split(/\s+/)[0]!;
    const found = await call('timeline.find', { personId, query: word });
    expect(found.entries.map((e) => e.id)).not.toContain(first.id);
    // Still in the vault, and still in an export: hiding is how the patient reads the timeline.
    expect((await call('records.get', { id: first.id })).note).toMatchObject({ hidden: true });
    await call('records.annotate', { id: first.id, hidden: false });
    expect(await ids()).toContain(first.id);
  });

  it('stores the patient’s own entries as FHIR R4 records of "Entered by you", to edit and delete', async () => {
    // The person's first look; what they enter after it is not news to them.
    await call('records.whatsNew', { personId });
    const medicine = await call('entries.save', {
      personId,
      entry: { kind: 'medicine', name: 'Ibuprofen', dose: '200 mg when needed', since: '2026-01' },
    });
    const detail = await call('records.get', { id: medicine.id });
    expect(detail.entry.source.label).toBe('Entered by you');
    expect(detail.entry.category).toBe('medications');
    expect(detail.ownEntry).toEqual({
      kind: 'medicine',
      name: 'Ibuprofen',
      dose: '200 mg when needed',
      since: '2026-01',
    });
    expect(sent(detail)).toMatchObject({
      resourceType: 'MedicationStatement',
      status: 'active',
      informationSource: { display: 'Test Patient' },
    });
    expect((await call('records.whatsNew', { personId })).total).toBe(0);
    const page = await call('timeline.page', { personId, categories: ['medications'], limit: 50 });
    expect(page.entries.find((e) => e.id === medicine.id)?.isNew).toBe(false);
    // A medicine the patient takes is a current medication.
    expect((await call('summary.get', { personId })).medications.map((m) => m.id)).toContain(medicine.id);

    // Edited: the same record, a new version, the earlier one kept.
    await call('entries.save', {
      personId,
      id: medicine.id,
      entry: { kind: 'medicine', name: 'Ibuprofen', dose: '400 mg twice a day', since: '2026-01' },
    });
    const edited = await call('records.get', { id: medicine.id });
    expect(edited.versions).toBe(2);
    expect(edited.ownEntry).toMatchObject({ dose: '400 mg twice a day' });

    const pressure = await call('entries.save', {
      personId,
      entry: { kind: 'blood-pressure', systolic: 142, diastolic: 91, at: '2026-11-30T08:15:00+01:00' },
    });
    const bp = await call('records.get', { id: pressure.id });
    expect(bp.entry).toMatchObject({
      category: 'vitals',
      value: '142/91 mmHg',
      source: { label: 'Entered by you' },
    });
    expect(sent(bp)).toMatchObject({
      resourceType: 'Observation',
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      component: [
        {
          code: { coding: [{ code: '8480-6' }] },
          valueQuantity: { value: 142, code: 'mm[Hg]', system: 'http://unitsofmeasure.org' },
        },
        { code: { coding: [{ code: '8462-4' }] }, valueQuantity: { value: 91, code: 'mm[Hg]' } },
      ],
    });
    // 142/91 is high by the usual adult categories: the Summary says so like any other reading.
    expect((await call('summary.get', { personId })).flagged.map((f) => f.id)).toContain(pressure.id);

    // What cannot be saved is said in words, and nothing is stored.
    const before = (await call('records.stats', { personId })).total;
    const refused = await service.dispatch('entries.save', {
      personId,
      entry: { kind: 'blood-pressure', systolic: 80, diastolic: 120, at: '2026-11-30T08:15:00Z' },
    });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        kind: 'bad-entry',
        message: expect.stringContaining('top number (systolic) must be higher') as unknown,
      },
    });
    const tooHeavy = await service.dispatch('entries.save', {
      personId,
      entry: { kind: 'weight', value: 7000, unit: 'kg', at: '2026-11-30' },
    });
    expect(tooHeavy).toMatchObject({
      ok: false,
      error: { kind: 'bad-entry', message: expect.stringContaining('between 0.5 and 500 kg') as unknown },
    });
    expect((await call('records.stats', { personId })).total).toBe(before);

    // Only the patient's own entries can be changed or deleted.
    const problem = await activeProblem();
    const notOwn = await service.dispatch('entries.remove', { id: problem.id });
    expect(notOwn).toMatchObject({ ok: false, error: { kind: 'not-own-entry' } });
    const notOwnEdit = await service.dispatch('entries.save', {
      personId,
      id: problem.id,
      entry: { kind: 'condition', name: 'Something else' },
    });
    expect(notOwnEdit).toMatchObject({ ok: false, error: { kind: 'not-own-entry' } });
    expect(sent(await call('records.get', { id: problem.id }))).toMatchObject({
      resourceType: 'Condition',
    });

    const weight = await call('entries.save', {
      personId,
      entry: { kind: 'weight', value: 61.5, unit: 'kg', at: '2026-11-29T07:00:00Z' },
    });
    await call('records.annotate', { id: weight.id, note: 'After breakfast' });
    await call('entries.remove', { id: weight.id });
    expect(await service.dispatch('records.get', { id: weight.id })).toMatchObject({
      ok: false,
      error: { kind: 'not-found' },
    });
    expect(
      service.vault.db
        .prepare('SELECT count(*) FROM record_notes WHERE resource_id = ?')
        .pluck()
        .get(weight.id),
    ).toBe(0);
  });

  it('exports the own entries as patient-reported, in documents that validate', async () => {
    await call('entries.save', {
      personId,
      entry: { kind: 'allergy', substance: 'Penicillin', reaction: 'Hives' },
    });
    await call('entries.save', { personId, entry: { kind: 'condition', name: 'Migraine', since: '2019' } });
    await call('entries.save', {
      personId,
      entry: { kind: 'weight', value: 135, unit: '[lb_av]', at: '2026-11-28T07:00:00Z' },
    });
    await call('entries.save', {
      personId,
      entry: { kind: 'glucose', value: 5.8, unit: 'mmol/L', at: '2026-11-28T07:05:00Z' },
    });
    const fhir = compileFhirSchema();

    // FHIR bundle: each own entry points at the bundle's Patient as who reported it.
    const bundle = JSON.parse((await bytesOf({ personId, format: 'fhir' })).toString('utf8')) as {
      entry: { fullUrl: string; resource: Json }[];
    };
    const patientUrl = bundle.entry.find((e) => e.resource.resourceType === 'Patient')!.fullUrl;
    const says = (r: Json, element: string) => (r[element] as { reference?: string } | undefined)?.reference;
    const statement = bundle.entry.find(
      (e) =>
        e.resource.resourceType === 'MedicationStatement' && JSON.stringify(e.resource).includes('Ibuprofen'),
    )!.resource;
    expect(says(statement, 'informationSource')).toBe(patientUrl);
    expect(says(statement, 'subject')).toBe(patientUrl);
    const allergy = bundle.entry.find(
      (e) =>
        e.resource.resourceType === 'AllergyIntolerance' && JSON.stringify(e.resource).includes('Penicillin'),
    )!.resource;
    expect([says(allergy, 'recorder'), says(allergy, 'asserter'), says(allergy, 'patient')]).toEqual([
      patientUrl,
      patientUrl,
      patientUrl,
    ]);
    const own = bundle.entry.find(
      (e) =>
        e.resource.resourceType === 'Provenance' &&
        ((e.resource.agent as { who: { reference?: string } }[])[0]?.who.reference ?? '') === patientUrl,
    )!.resource;
    expect((own.target as unknown[]).length).toBe(6);
    for (const e of bundle.entry) expect(fhir.resourceErrors(e.resource)).toEqual([]);
    expect(fhir.validate(bundle)).toBe(true);

    // IPS: the same markers, and the document validates.
    const ips = JSON.parse((await bytesOf({ personId, format: 'ips' })).toString('utf8')) as {
      entry: { fullUrl: string; resource: Json }[];
    };
    const ipsPatient = ips.entry.find((e) => e.resource.resourceType === 'Patient')!.fullUrl;
    const ipsAllergy = ips.entry.find(
      (e) =>
        e.resource.resourceType === 'AllergyIntolerance' && JSON.stringify(e.resource).includes('Penicillin'),
    )!.resource;
    expect(says(ipsAllergy, 'asserter')).toBe(ipsPatient);
    const ipsPressure = ips.entry.find(
      (e) => e.resource.resourceType === 'Observation' && JSON.stringify(e.resource).includes('85354-9'),
    )!.resource;
    expect((ipsPressure.performer as { reference: string }[])[0]!.reference).toBe(ipsPatient);
    expect(fhir.validate(ips)).toBe(true);

    // C-CDA: each own entry has the patient as its author (the recordTarget's id), and the
    // document passes the CDA schema and the R2.1 schematron's errors phase.
    const xml = (await bytesOf({ personId, format: 'ccda' })).toString('utf8');
    const patientId = /<patientRole><id root="([^"]+)"/.exec(xml)?.[1];
    expect(patientId).toBeDefined();
    const authors = [
      ...xml.matchAll(
        /<author><templateId root="2\.16\.840\.1\.113883\.10\.20\.22\.4\.119"\/><time value="\d+[^"]*"\/><assignedAuthor><id root="([^"]+)"\/><code code="ONESELF"/g,
      ),
    ];
    // Medicine, allergy, condition, blood pressure (two measurements), weight, glucose.
    expect(authors.length).toBe(7);
    expect(new Set(authors.map((m) => m[1]))).toEqual(new Set([patientId]));
    const file = join(dir, 'own.xml');
    writeFileSync(file, xml);
    if (hasTool('xmllint')) expect(await cdaSchemaErrors(file)).toEqual([]);
    if (hasTool('xsltproc')) {
      const failed = (await schematronErrors(await compileSchematron(dir), file)).filter(
        (f) => !(f.needsValueSets && NEEDS_VALUE_SETS.has(f.conf)),
      );
      expect(failed).toEqual([]);
    }

    // The printed summary names the source.
    if (hasTool('pdftotext')) {
      const pdf = join(dir, 'own.pdf');
      writeFileSync(pdf, await bytesOf({ personId, format: 'pdf' }));
      const text = await pdfText(pdf);
      expect(text).toContain('Penicillin');
      expect(text).toContain('Entered by you');
    }
  }, 120_000);

  it('keeps notes, marks and own entries in a backup, as the vault holds them', async () => {
    const problem = await activeProblem();
    await call('records.annotate', { id: problem.id, note: 'Asked at my next visit', hidden: true });
    const vaultPath = service.options.vaultPath;
    const backup = join(dir, 'notes.phrvault-backup');
    writeBackup(service.vault.db, vaultPath, backup, 'test');
    const { path } = unpackBackup(backup, join(dir, 'restored.phrvault'));
    const restored = keyedDatabase(path, await vaultDataKey(vaultPath, PASSPHRASE));
    try {
      expect(
        restored.prepare('SELECT note, hidden FROM record_notes WHERE resource_id = ?').get(problem.id),
      ).toEqual({ note: 'Asked at my next visit', hidden: 1 });
      expect(
        restored
          .prepare(
            `SELECT count(*) FROM resources r JOIN connections c ON c.id = r.connection_id
             WHERE c.entered_by_person = 1 AND c.label = 'Entered by you'`,
          )
          .pluck()
          .get(),
      ).toBeGreaterThan(0);
    } finally {
      restored.close();
    }
    await call('records.annotate', { id: problem.id, note: null, hidden: false });
  });

  it('removes a person’s notes with them', async () => {
    const sam = await call('persons.add', { name: 'Sam', relationship: 'child' });
    const entry = await call('entries.save', {
      personId: sam.id,
      entry: { kind: 'condition', name: 'Asthma' },
    });
    await call('records.annotate', { id: entry.id, note: 'Since school' });
    expect(
      service.vault.db.prepare('SELECT count(*) FROM record_notes WHERE person_id = ?').pluck().get(sam.id),
    ).toBe(1);
    await call('persons.remove', { personId: sam.id });
    expect(
      service.vault.db.prepare('SELECT count(*) FROM record_notes WHERE person_id = ?').pluck().get(sam.id),
    ).toBe(0);
  });
});
