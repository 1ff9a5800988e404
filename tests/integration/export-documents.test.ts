import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { isVaultError } from '../../electron/core/errors.js';
import { exportRecords } from '../../electron/core/exchange/export/export-document.js';
import type { ExportFormat, ExportOutcome } from '../../electron/core/exchange/export/export-request.js';
import { summarise } from '../../electron/core/exchange/export/health-summary.js';
import { selectRecords } from '../../electron/core/exchange/export/selection.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import {
  cdaSchemaErrors,
  compileFhirSchema,
  compileSchematron,
  hasTool,
  inPool,
  pdfText,
  readBackCcd,
  NEEDS_VALUE_SETS,
  schematronErrors,
  type FhirSchema,
} from '../support/export-validation.js';
import { call } from '../support/connected-vault.js';
import { FAST_SCRYPT, SYNTHEA, US_CORE, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';
const FORMATS: ExportFormat[] = ['ccda', 'fhir', 'ips', 'pdf'];

type Patient = { name: string; file: string; personId: number; resources: Record<string, unknown>[] };

const patients: Patient[] = [
  ...readdirSync(SYNTHEA)
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${SYNTHEA}${f}`),
  ...readdirSync(US_CORE)
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${US_CORE}${f}`),
].map((file) => ({
  name: basename(file, '.json').split('_').slice(0, 2).join(' '),
  file,
  personId: 0,
  resources: (
    JSON.parse(readFileSync(file, 'utf8')) as { entry: { resource: Record<string, unknown> }[] }
  ).entry.map((e) => e.resource),
}));

const SECTION_LOINC = {
  allergies: '48765-2',
  medications: '10160-0',
  problems: '11450-4',
  procedures: '47519-4',
  results: '30954-2',
  'vital-signs': '8716-3',
  immunizations: '11369-6',
  encounters: '46240-8',
  'social-history': '29762-2',
} as const;

/** Standard codes of a FHIR concept, from the systems a C-CDA can carry. */
function standardCodes(concept: unknown): string[] {
  const systems = [
    'http://snomed.info/sct',
    'http://loinc.org',
    'http://www.nlm.nih.gov/research/umls/rxnorm',
    'http://hl7.org/fhir/sid/cvx',
  ];
  const codings = (concept as { coding?: { system?: string; code?: string }[] } | undefined)?.coding ?? [];
  return codings.filter((c) => c.code && systems.includes(c.system ?? '')).map((c) => String(c.code));
}

describe('export for a new provider, on every fixture patient', () => {
  let dir: string;
  let vault: VaultFile;
  let schematron: string;
  let fhir: FhirSchema;
  const outcomes = new Map<string, ExportOutcome>();
  const fileOf = (p: Patient, format: ExportFormat) => join(dir, `${p.personId}.${format}`);

  beforeAll(async () => {
    for (const tool of ['xmllint', 'xsltproc', 'pdftotext']) {
      if (!hasTool(tool)) throw new Error(`${tool} is missing: bash .ci/run installs it (apt-get).`);
    }
    dir = tempDir('phr-vault-export-');
    const compiling = compileSchematron(dir);
    vault = new VaultFile(join(dir, 'family.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
    for (const p of patients) {
      p.personId = addPerson(vault.db, { name: p.name, relationship: 'other' }).id;
      await importFhirFiles(vault.db, [p.file], {
        personId: p.personId,
        sourceLabel: p.file.includes('us-core') ? 'Inferno Reference Server' : 'Synthea General Hospital',
      });
    }
    for (const p of patients) {
      for (const format of FORMATS) {
        const outcome = await exportRecords(vault.db, format, { personId: p.personId });
        outcomes.set(`${p.personId}.${format}`, outcome);
        writeFileSync(fileOf(p, format), outcome.bytes);
      }
    }
    fhir = compileFhirSchema();
    schematron = await compiling;
  }, 300_000);

  afterAll(() => vault?.lock());

  it('writes C-CDA documents that validate against the CDA R2 schema with SDTC extensions', async () => {
    const results = await inPool(patients, 2, async (p) => ({
      name: p.name,
      errors: await cdaSchemaErrors(fileOf(p, 'ccda')),
    }));
    expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
  });

  it('has no C-CDA R2.1 schematron errors but those that need the absent value-set file', async () => {
    const results = await inPool(patients, 2, async (p) => ({
      name: p.name,
      failed: await schematronErrors(schematron, fileOf(p, 'ccda')),
    }));
    for (const { name, failed } of results) {
      const unexpected = failed.filter((f) => !(f.needsValueSets && NEEDS_VALUE_SETS.has(f.conf)));
      expect(
        unexpected.map((f) => `${f.conf} ${f.text.slice(0, 160)} @ ${f.location.slice(-120)}`),
        name,
      ).toEqual([]);
    }
  }, 600_000);

  it('reads back from each C-CDA the same entries per section and the same codes', async () => {
    for (const p of patients) {
      const back = await readBackCcd(dir, fileOf(p, 'ccda'));
      const outcome = outcomes.get(`${p.personId}.ccda`) as ExportOutcome;
      for (const section of outcome.sections) {
        const loinc = SECTION_LOINC[section.key as keyof typeof SECTION_LOINC];
        expect(back.get(loinc)?.entries, `${p.name} ${section.key}`).toBe(section.entries);
      }
      // Independently of the exporter: the fixture's own records, section by section.
      const ofType = (type: string) => p.resources.filter((r) => r.resourceType === type);
      const expectSection = (
        loinc: string,
        type: string,
        concept: (r: Record<string, unknown>) => unknown,
      ) => {
        const records = ofType(type);
        const section = back.get(loinc);
        if (records.length === 0) {
          expect(section?.entries ?? 0, `${p.name} ${type}`).toBe(0);
          return;
        }
        expect(section?.entries, `${p.name} ${type}`).toBe(records.length);
        for (const r of records)
          for (const code of standardCodes(concept(r)))
            expect(section?.codes.has(code), `${p.name} ${type} ${code}`).toBe(true);
      };
      expectSection('48765-2', 'AllergyIntolerance', (r) => r.code);
      expectSection('11450-4', 'Condition', (r) => r.code);
      expectSection('47519-4', 'Procedure', (r) => r.code);
      expectSection('11369-6', 'Immunization', (r) => r.vaccineCode);
      expectSection('46240-8', 'Encounter', (r) => (r.type as unknown[] | undefined)?.[0]);
      expectSection('10160-0', 'MedicationRequest', (r) => r.medicationCodeableConcept);
      const labCodes = ofType('Observation')
        .filter((r) => JSON.stringify(r.category ?? '').includes('"laboratory"'))
        .flatMap((r) => standardCodes(r.code));
      for (const code of labCodes)
        expect(back.get('30954-2')?.codes.has(code), `${p.name} lab ${code}`).toBe(true);
    }
  });

  it('writes FHIR R4 collection bundles of every record as received, with a Provenance per source', () => {
    for (const p of patients) {
      const bundle = JSON.parse(readFileSync(fileOf(p, 'fhir'), 'utf8')) as {
        type: string;
        entry: { fullUrl: string; resource: Record<string, unknown> }[];
      };
      expect(bundle.type).toBe('collection');
      const outcome = outcomes.get(`${p.personId}.fhir`) as ExportOutcome;
      const records = bundle.entry.filter(
        (e) => !['Patient', 'Provenance'].includes(String(e.resource.resourceType)),
      );
      expect(records.length).toBe(outcome.records);
      const provenance = bundle.entry.filter((e) => e.resource.resourceType === 'Provenance');
      expect(provenance).toHaveLength(1);
      const agent = (provenance[0]?.resource.agent as { who: { display: string } }[])[0];
      expect(agent?.who.display).toMatch(/Synthea General Hospital|Inferno Reference Server/);
      expect((provenance[0]?.resource.target as unknown[]).length).toBe(outcome.records);
      expect(new Set(bundle.entry.map((e) => e.fullUrl)).size).toBe(bundle.entry.length);
    }
  });

  it('FHIR and IPS bundles validate against the FHIR R4 JSON schema (one source error kept as received)', () => {
    for (const p of patients) {
      for (const format of ['fhir', 'ips'] as const) {
        const bundle = JSON.parse(readFileSync(fileOf(p, format), 'utf8')) as {
          entry: { resource: Record<string, unknown> }[];
        };
        if (fhir.validate(bundle)) continue;
        // Patient 355 comes with one Observation carrying `effectivePeriod.stop`, not a FHIR
        // element: the bundle hands it over as received, so that entry, and only it, fails.
        const invalid = bundle.entry
          .map((e) => ({ r: e.resource, errors: fhir.resourceErrors(e.resource) }))
          .filter((x) => x.errors.length > 0);
        expect(p.name, `${format}: ${JSON.stringify(invalid.map((x) => x.errors))}`).toBe('uscore bundle');
        expect(invalid).toHaveLength(1);
        expect(invalid[0]?.r.resourceType).toBe('Observation');
        expect(JSON.stringify(invalid[0]?.r.effectivePeriod)).toContain('"stop"');
      }
    }
  });

  it('IPS bundles are documents whose Composition has the required sections, "no information" when empty', () => {
    for (const p of patients) {
      const bundle = JSON.parse(readFileSync(fileOf(p, 'ips'), 'utf8')) as {
        type: string;
        identifier: unknown;
        entry: { fullUrl: string; resource: Record<string, unknown> }[];
      };
      expect(bundle.type).toBe('document');
      expect(bundle.identifier).toBeTruthy();
      const composition = bundle.entry[0]?.resource as {
        resourceType: string;
        type: { coding: { code: string }[] };
        section: { code: { coding: { code: string }[] }; entry: { reference: string }[] }[];
      };
      expect(composition.resourceType).toBe('Composition');
      expect(composition.type.coding[0]?.code).toBe('60591-5');
      const urls = new Map(bundle.entry.map((e) => [e.fullUrl, e.resource]));
      const sectionCodes = composition.section.map((s) => s.code.coding[0]?.code);
      for (const required of ['10160-0', '48765-2', '11450-4']) expect(sectionCodes).toContain(required);
      for (const section of composition.section) {
        expect(section.entry.length).toBeGreaterThan(0);
        for (const ref of section.entry) expect(urls.has(ref.reference), ref.reference).toBe(true);
      }
      const allergies = composition.section.find((s) => s.code.coding[0]?.code === '48765-2');
      if (!p.resources.some((r) => r.resourceType === 'AllergyIntolerance')) {
        const absent = urls.get(allergies?.entry[0]?.reference ?? '') as {
          code: { coding: { code: string }[] };
        };
        expect(absent.code.coding[0]?.code).toBe('no-allergy-info');
      } else {
        expect(allergies?.entry.length).toBe(
          p.resources.filter((r) => r.resourceType === 'AllergyIntolerance').length,
        );
      }
    }
  });

  it('prints a PDF with the patient, the sections, the sources and page numbers', async () => {
    for (const p of patients) {
      const bytes = readFileSync(fileOf(p, 'pdf'));
      expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const text = (await pdfText(fileOf(p, 'pdf'))).replace(/\s+/g, ' ');
      const given = p.name.split(' ')[0] as string;
      if (!p.name.startsWith('uscore')) expect(text).toContain(given);
      for (const title of ['Allergies and intolerances', 'Medications', 'Problems', 'Immunizations']) {
        expect(text).toContain(title);
      }
      expect(text).toMatch(/Sources: (Synthea General Hospital|Inferno Reference Server)/);
      expect(text).toMatch(/Page 1 of \d+/);
    }
  });

  it('counts in the summary match what each document holds', () => {
    for (const p of patients) {
      const summary = summarise(selectRecords(vault.db, { personId: p.personId }));
      const ips = outcomes.get(`${p.personId}.ips`) as ExportOutcome;
      for (const s of ips.sections) {
        expect(s.entries).toBe(summary.sections.find((x) => x.key === s.key)?.entries.length);
      }
    }
  });

  it('keeps to the dates asked for and refuses an empty selection with a clear message', async () => {
    const p = patients[0] as Patient;
    const all = outcomes.get(`${p.personId}.fhir`) as ExportOutcome;
    const recent = await exportRecords(vault.db, 'fhir', { personId: p.personId, from: '2015-01-01' });
    expect(recent.records).toBeGreaterThan(0);
    expect(recent.records).toBeLessThan(all.records);
    const entries = (
      JSON.parse(recent.bytes.toString('utf8')) as { entry: { resource: { resourceType: string } }[] }
    ).entry;
    expect(entries.length).toBeGreaterThan(recent.records);
    for (const format of FORMATS) {
      const error = await exportRecords(vault.db, format, { personId: p.personId, to: '1900' }).catch(
        (e: unknown) => e,
      );
      expect(isVaultError(error, 'empty-selection'), format).toBe(true);
      expect((error as Error).message).toContain('nothing to export');
    }
  });

  it('answers export.preview and writes export.toFile where the shell says, with progress events', async () => {
    vault.lock();
    const service = new VaultService({
      vaultPath: join(dir, 'family.phrvault'),
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
    });
    try {
      expect((await service.dispatch('vault.unlock', { passphrase: PASS })).ok).toBe(true);
      const p = patients[1] as Patient;
      const preview = await service.dispatch('export.preview', { personId: p.personId, format: 'ccda' });
      expect(preview.ok).toBe(true);
      const events: unknown[] = [];
      service.on((event, payload) => {
        if (event === 'export.progress') events.push(payload);
      });
      const suggestion = await call(service, 'export.suggestion', { personId: p.personId, format: 'ccda' });
      expect(suggestion).toEqual({
        fileName: expect.stringMatching(/-ccd-\d{4}-\d{2}-\d{2}\.xml$/),
        mediaType: 'application/xml',
      });
      // The core writes the document to the path the shell's dialog gave: readable by its owner
      // alone, nothing left beside it, and only the name, size and contents answered.
      const into = tempDir('phr-vault-export-to-');
      const path = join(into, 'for Dr Okafor.xml');
      const written = await call(service, 'export.toFile', {
        personId: p.personId,
        format: 'ccda',
        from: '2010',
        path,
      });
      const bytes = readFileSync(path);
      expect(bytes.toString('utf8')).toContain('<ClinicalDocument');
      expect(written).toMatchObject({ fileName: 'for Dr Okafor.xml', bytes: bytes.length, format: 'ccda' });
      expect(written.records).toBeGreaterThan(0);
      expect(written.sections.length).toBeGreaterThan(0);
      expect(JSON.stringify(written)).not.toContain('<ClinicalDocument');
      if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readdirSync(into)).toEqual(['for Dr Okafor.xml']);
      expect(events.at(-1)).toMatchObject({ personId: p.personId, format: 'ccda', stage: 'done' });

      const empty = await service.dispatch('export.toFile', {
        personId: p.personId,
        format: 'pdf',
        to: '1900',
        path: join(into, 'empty.pdf'),
      });
      expect(empty).toMatchObject({ ok: false, error: { kind: 'empty-selection' } });
      // A folder that is not there (or will not take the file) is the person's to change, in plain words.
      const nowhere = await service.dispatch('export.toFile', {
        personId: p.personId,
        format: 'ccda',
        path: join(into, 'gone', 'x.xml'),
      });
      expect(nowhere).toMatchObject({ ok: false, error: { kind: 'save-failed' } });
      expect(JSON.stringify(nowhere)).not.toContain(into);
      expect(readdirSync(into)).toEqual(['for Dr Okafor.xml']);
      // The old way of handing the bytes back is gone from the contract.
      const old = await service.dispatch('export.run', { personId: p.personId, format: 'ccda' });
      expect(old).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    } finally {
      service.close();
    }
  });
});
