import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { previewExport } from '../../electron/core/exchange/export/export-document.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { FAST_SCRYPT, SMART_2502813, SMART_2502813_VITALS, tempDir } from '../support/temp-dir.js';

describe('what the check before saving says is not in the document', () => {
  let vault: VaultFile;
  let person: number;

  beforeAll(async () => {
    vault = new VaultFile(join(tempDir(), 'vault.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    person = addPerson(vault.db, { name: 'Ruth', relationship: 'parent' }).id;
    // The SMART sample patient (FHIR STU3): 24 pharmacy fills, which have no faithful R4 form.
    await importFhirFiles(vault.db, [SMART_2502813, SMART_2502813_VITALS], {
      personId: person,
      sourceLabel: 'Clinic',
    });
  });
  afterAll(() => vault.lock());

  it('groups the records left out by kind and cause, in the patient’s words', async () => {
    const preview = await previewExport(vault.db, 'ips', { personId: person });
    expect(preview.groups.map((g) => `${g.what}: ${g.why}`)).toEqual([
      '24 pharmacy fills: an older record format that has no exact equivalent in the document',
      '20 visits: encounters are not a section of an International Patient Summary',
      '5 results: an older record format that has no exact equivalent in the document',
    ]);
    // Each record is still named, with its own reason, for those who open the list.
    expect(preview.issues.filter((i) => i.resourceType === 'MedicationDispense')).toHaveLength(24);
    expect(preview.groups.reduce((n, g) => n + g.count, 0)).toBe(preview.issues.length);
  });

  it('says what is in the document with a detail marked unknown after what is left out', async () => {
    const preview = await previewExport(vault.db, 'ccda', { personId: person });
    const kinds = preview.groups.map((g) => g.kind);
    expect(kinds).toEqual([...kinds].sort((a, b) => (a === b ? 0 : a === 'left-out' ? -1 : 1)));
    expect(preview.groups).toContainEqual({
      kind: 'incomplete',
      count: 9,
      what: '9 prescriptions',
      why: 'it has no date; the document says the date is unknown',
    });
  });
});
