import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { importFile, recogniseFormat } from '../../electron/core/exchange/import-files.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { FAST_SCRYPT, GEOFFREY, fixtures, tempDir } from '../support/temp-dir.js';

const IPS_JSON = `${fixtures}fhir/ips/bundle-minimal.json`;
const IPS_XML = `${fixtures}fhir/ips/IPS-bundle-01.xml`;
const CARD = `${fixtures}shc/example-00-e-file.smart-health-card`;

/** The one way in: each file's format from its content, and a plain refusal for what is not read yet. */
describe('files are recognised by their content', () => {
  let vault: VaultFile;
  let personId: number;
  const count = () => vault.db.prepare('SELECT count(*) FROM resources').pluck().get() as number;

  beforeAll(async () => {
    vault = new VaultFile(join(tempDir('phr-vault-formats-'), 'v.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    personId = addPerson(vault.db, { name: 'Formats', relationship: 'other' }).id;
  });
  afterAll(() => vault?.lock());

  it('names each format whatever the file is called', async () => {
    const as = (file: string, name: string) => recogniseFormat({ name, bytes: readFileSync(file) });
    expect(await as(GEOFFREY, 'download.xml')).toBe('fhir');
    expect(await as(`${fixtures}cda-documents/CCD_2.xml`, 'download.json')).toBe('ccda');
    expect(await as(CARD, 'card.json')).toBe('smart-health-card');
    const link = { name: 'link.txt', bytes: Buffer.from('shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnIn0') };
    expect(await recogniseFormat(link)).toBe('smart-health-link');
    const zip = { name: 'export.zip', bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]) };
    expect(await recogniseFormat(zip)).toBe('apple-health');
  });

  it('imports a FHIR document (an International Patient Summary) as ips, its Composition kept with its entries', async () => {
    const report = await importFile(vault.db, IPS_JSON, { personId });
    expect(report).toMatchObject({ format: 'ips', added: 8, about: 'FHIR document R4 file, 8 records' });
    const composition = vault.db
      .prepare(`SELECT count(*) FROM resources WHERE person_id = ? AND resource_type = 'Composition'`)
      .pluck()
      .get(personId);
    expect(composition).toBe(1);
    expect((await importFile(vault.db, GEOFFREY, { personId, sourceLabel: 'Other' }))?.format).toBe('fhir');
  });

  it('imports a SMART Health Card through the same way in, with what its check found', async () => {
    const report = await importFile(
      vault.db,
      { name: 'card.smart-health-card', bytes: readFileSync(CARD) },
      { personId, offline: true },
    );
    // The specification's example issuer is in no directory: read, stored, and marked so.
    expect(report).toMatchObject({
      format: 'smart-health-card',
      verification: { status: 'unknown-issuer' },
      about: expect.stringMatching(/^SMART Health Card, not verified: /) as unknown,
    });
    expect(report!.added).toBeGreaterThan(0);
    const again = await importFile(
      vault.db,
      { name: 'card.smart-health-card', bytes: readFileSync(CARD) },
      { personId, offline: true },
    );
    expect(again).toMatchObject({ added: 0 });
  });

  it('refuses what it cannot read yet in plain words, storing nothing', async () => {
    const before = count();
    const cases: [string, { name: string; bytes: Buffer }, RegExp][] = [
      [
        'zip',
        { name: 'export.zip', bytes: Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]) },
        /export\.zip starts as a zip archive but cannot be read as one/,
      ],
      [
        'fhir xml',
        { name: 'ips.xml', bytes: readFileSync(IPS_XML) },
        /ips\.xml is FHIR as XML, which PHR Vault does not read yet: FHIR JSON only\./,
      ],
      ['empty', { name: 'empty.json', bytes: Buffer.alloc(0) }, /empty\.json is empty\./],
    ];
    for (const [what, file, message] of cases) {
      const failure = await importFile(vault.db, file, { personId }).catch((e: unknown) => e);
      expect(isVaultError(failure, 'bad-input'), what).toBe(true);
      expect((failure as Error).message, what).toMatch(message);
    }
    // A health link is opened (tests/integration/health-links.test.ts); one without its key cannot be.
    const link = { name: 'link.txt', bytes: Buffer.from('shlink:/eyJ1cmwiOiJodHRwczovL2V4YW1wbGUub3JnIn0') };
    const failure = await importFile(vault.db, link, { personId }).catch((e: unknown) => e);
    expect(isVaultError(failure, 'bad-link')).toBe(true);
    expect(count()).toBe(before);
  });
});
