import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import type { CoreChannel, RequestOf } from '../../shared/ipc/contract.js';
import { appleExport, healthXml, record, sampleClinicalFiles, zipOf } from '../../testkit/apple-export.js';
import { call as callOn, newVaultService, PASSPHRASE } from '../support/connected-vault.js';
import { fixtures, GEOFFREY, tempDir } from '../support/temp-dir.js';

const CCD = `${fixtures}cda-documents/CCD_1.xml`;
const REFERRAL = `${fixtures}cda-documents/Referral_Note.xml`;
const IPS = `${fixtures}fhir/ips/bundle-minimal.json`;
const CARD = `${fixtures}shc/example-00-e-file.smart-health-card`;

/**
 * The window's import, as the core answers it: the shell hands over paths and gets tokens, a
 * preview says what each public example file is and whose, storing nothing, and each file is then
 * read from disk and stored for the person or for a new one made from the file's patient.
 */
describe('previewing and importing files chosen in the window', () => {
  let service: VaultService;
  let owner: number;
  const events: { event: string; payload: unknown }[] = [];
  const call = <C extends CoreChannel>(channel: C, request?: RequestOf<C>) =>
    callOn(service, channel, request);
  const recordCount = () =>
    service.vault.db.prepare('SELECT count(*) FROM resources').pluck().get() as number;
  const tokenOf = async (path: string) => (await call('imports.useFiles', { paths: [path] })).files[0]!.token;

  beforeAll(async () => {
    ({ service } = await newVaultService());
    service.on((event, payload) => events.push({ event, payload }));
    owner = (await call('persons.list'))[0]!.id;
  });
  afterAll(() => service.close());

  it('says what each file is and whose, and stores nothing', async () => {
    const folder = tempDir('phr-vault-preview-');
    const letter = join(folder, 'letter.json');
    writeFileSync(letter, 'Dear patient, ');
    const apple = join(folder, 'export.zip');
    writeFileSync(
      apple,
      await appleExport(
        [
          record('HeartRate', 'count/min', 62, '2024-03-01 08:00:00 -0800'),
          record('BodyMass', 'lb', 150, '2024-03-01 08:05:00 -0800'),
        ].join('\n'),
        sampleClinicalFiles(),
      ),
    );
    const { files } = await call('imports.useFiles', {
      paths: [CCD, REFERRAL, GEOFFREY, IPS, CARD, letter, apple],
    });
    expect(files.map((f) => f.name)).toEqual([
      'CCD_1.xml',
      'Referral_Note.xml',
      'Geoffrey_Abbott_73a7d6b7-0310-4fff-9b0b-7891a5e390f5.json',
      'bundle-minimal.json',
      'example-00-e-file.smart-health-card',
      'letter.json',
      'export.zip',
    ]);
    const previews = await call('imports.preview', { personId: owner, tokens: files.map((f) => f.token) });
    expect(previews.map((p) => (p.outcome === 'ready' ? [p.format, p.about, p.whose] : [p.message]))).toEqual(
      [
        ['ccda', 'C-CDA Continuity of Care Document from Good Health HIE, 2013-08-15, 48 entries', 'differs'],
        ['ccda', 'C-CDA Referral Note from Good Health HIE, 2013-09-21, 50 entries', 'differs'],
        ['fhir', 'FHIR R4, 109 records', 'differs'],
        [
          'ips',
          'FHIR R4 document “Patient Summary as of December 11, 2020 14:30” from Anorg Aniza Tion BV / The best custodian ever, 2020-12-11, 8 records',
          'differs',
        ],
        [
          'smart-health-card',
          'SMART Health Card with 3 records. Not verified: It is signed by an issuer we do not know (spec.smarthealth.cards/examples/issuer), and its keys could not be fetched to check it.',
          'differs',
        ],
        [
          'letter.json is not valid JSON. That file could not be read as health records. Nothing was stored from it.',
        ],
        ['apple-health', 'Apple Health export, 16 clinical records, 2 samples', 'differs'],
      ],
    );
    const whose = previews.map((p) => (p.outcome === 'ready' ? p.patients : null));
    expect(whose[0]).toEqual([{ name: 'Eve Betterhalf', birthDate: '1975-05-01' }]);
    expect(whose[2]).toEqual([{ name: 'Geoffrey Abbott', birthDate: '1992-07-03' }]);
    expect(whose[4]).toEqual([{ name: 'John B. Anyperson', birthDate: '1951-01-20' }]);
    const card = previews[4]!;
    expect(card.outcome === 'ready' && card.verification?.status).toBe('unknown-issuer');
    expect(recordCount()).toBe(0);
    expect(await call('connections.list', { personId: owner })).toEqual([]);
    expect(await call('persons.list')).toHaveLength(1);
  });

  it('says a file is the person’s when name and birth date agree', async () => {
    const geoffrey = await call('persons.add', { name: 'Geoffrey Abbott', birthDate: '1992-07-03' });
    const [preview] = await call('imports.preview', {
      personId: geoffrey.id,
      tokens: [await tokenOf(GEOFFREY)],
    });
    expect(preview).toMatchObject({ outcome: 'ready', whose: 'match' });
    const [other] = await call('imports.preview', { personId: geoffrey.id, tokens: [await tokenOf(CCD)] });
    expect(other).toMatchObject({ outcome: 'ready', whose: 'differs' });
    await call('persons.remove', { personId: geoffrey.id });
  });

  it('adds the file’s patient as a new person, reading the file from disk and telling how far; the same file again adds nothing', async () => {
    const token = await tokenOf(CCD);
    events.length = 0;
    const first = await call('imports.run', { token, personId: owner, as: 'new-person' });
    expect(first).toMatchObject({ newPerson: 'Eve Betterhalf', format: 'ccda', updated: 0, unchanged: 0 });
    expect(first.added).toBeGreaterThan(48);
    const people = await call('persons.list');
    const eve = people.find((p) => p.name === 'Eve Betterhalf')!;
    expect(eve).toMatchObject({ birthDate: '1975-05-01', relationship: 'other' });
    expect(first.personId).toBe(eve.id);
    const progress = events.filter((e) => e.event === 'imports.progress').map((e) => e.payload);
    expect(progress.at(0)).toEqual({ token, bytesRead: 0, bytesTotal: 175965 });
    expect(progress.at(-1)).toEqual({ token, bytesRead: 175965, bytesTotal: 175965 });
    // Nothing went to the person the window showed.
    expect(
      service.vault.db.prepare('SELECT count(*) FROM resources WHERE person_id = ?').pluck().get(owner),
    ).toBe(0);

    const before = recordCount();
    const again = await call('imports.run', { token, personId: eve.id, as: 'this-person' });
    expect(again).toMatchObject({ newPerson: null, added: 0, updated: 0, unchanged: first.added });
    expect(recordCount()).toBe(before);
  });

  it('files a file about someone else under the person when told so', async () => {
    const answer = await call('imports.run', {
      token: await tokenOf(GEOFFREY),
      personId: owner,
      as: 'this-person',
    });
    expect(answer).toMatchObject({ personId: owner, newPerson: null, format: 'fhir', fhirVersion: 'R4' });
    expect(answer.added).toBe(109);
  });

  it('reads only what the shell handed over, and says so when a file cannot be made a person of', async () => {
    const relative = await service.dispatch('imports.useFiles', { paths: ['cda-documents/CCD_1.xml'] });
    expect(relative).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    const made = await service.dispatch('imports.run', {
      token: 'a-token-the-core-never-gave',
      personId: owner,
      as: 'this-person',
    });
    expect(made).toMatchObject({
      ok: false,
      error: {
        kind: 'bad-input',
        message: expect.stringMatching(/^That file is no longer at hand/) as unknown,
      },
    });
    const folder = tempDir('phr-vault-preview-');
    const nobody = join(folder, 'observation.json');
    writeFileSync(
      nobody,
      JSON.stringify({ resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'Weight' } }),
    );
    const before = (await call('persons.list')).length;
    const refused = await service.dispatch('imports.run', {
      token: await tokenOf(nobody),
      personId: owner,
      as: 'new-person',
    });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        kind: 'bad-input',
        message: expect.stringMatching(
          /^observation\.json does not name one patient, so no person can be made from it\./,
        ) as unknown,
      },
    });
    expect(await call('persons.list')).toHaveLength(before);
  });

  it('leaves out an Apple Health export’s export_cda.xml, which repeats export.xml’s samples one by one', async () => {
    const samples = [
      record('HeartRate', 'count/min', 82, '2019-08-27 18:58:44 -0230'),
      record('HeartRate', 'count/min', 85, '2019-08-27 19:16:17 -0230'),
    ];
    // As Apple writes it: the same samples as a Vital Signs organizer straight under ClinicalDocument.
    const observation = (value: number, at: string) => `
   <component><observation classCode="OBS" moodCode="EVN">
     <templateId root="2.16.840.1.113883.10.20.22.4.27"/>
     <id root="c6f88321-67ad-11db-bd13-0800200c9a66"/>
     <code code="8867-4" codeSystem="2.16.840.1.113883.6.1" codeSystemName="LOINC" displayName="Heart rate"/>
     <text><sourceName>Phone</sourceName><value>${value}</value><type>HKQuantityTypeIdentifierHeartRate</type><unit>count/min</unit></text>
     <statusCode code="completed"/>
     <effectiveTime><low value="${at}"/><high value="${at}"/></effectiveTime>
     <value xsi:type="PQ" value="${value}" unit="count/min"/>
   </observation></component>`;
    const cda = `<?xml version="1.0"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <templateId root="2.16.840.1.113883.10.20.22.1.2"/>
 <id extension="Health Export CDA" root="1.1.1.1.1.1.1.1.1"/>
 <code codeSystem="2.16.840.1.113883.6.1" code="34109-9" displayName="Note"/>
 <title>Health Data Export</title>
 <recordTarget><patientRole><patient><birthTime value=""/></patient></patientRole></recordTarget>
 <entry typeCode="DRIV"><organizer classCode="CLUSTER" moodCode="EVN">
   <templateId root="2.16.840.1.113883.10.20.22.4.26"/>
   <code code="46680005" codeSystem="2.16.840.1.113883.6.96" displayName="Vital signs"/>
   <statusCode code="completed"/>${observation(82, '20190827185844-0230')}${observation(85, '20190827191617-0230')}
 </organizer></entry>
</ClinicalDocument>
`;
    const folder = tempDir('phr-vault-preview-');
    const path = join(folder, 'export.zip');
    writeFileSync(
      path,
      await zipOf([
        { name: 'apple_health_export/export.xml', data: healthXml(samples.join('\n')) },
        { name: 'apple_health_export/export_cda.xml', data: cda },
      ]),
    );
    const sam = await call('persons.add', { name: 'Sam Apple' });
    const token = await tokenOf(path);
    const [preview] = await call('imports.preview', { personId: sam.id, tokens: [token] });
    expect(preview).toMatchObject({ outcome: 'ready', about: 'Apple Health export, 2 samples' });
    const answer = await call('imports.run', { token, personId: sam.id, as: 'this-person' });
    expect(answer).toMatchObject({ added: 2, about: 'Apple Health export: 2 vital signs from 2 samples' });
    const sources = await call('connections.list', { personId: sam.id });
    expect(sources.map((s) => s.label)).toEqual(['Apple Health']);
  });

  it('forgets every chosen file when the vault locks', async () => {
    const token = await tokenOf(IPS);
    await call('vault.lock');
    await call('vault.unlock', { passphrase: PASSPHRASE });
    const answer = await service.dispatch('imports.preview', { personId: owner, tokens: [token] });
    expect(answer).toMatchObject({ ok: false, error: { kind: 'bad-input' } });
  });
});
