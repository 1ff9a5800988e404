import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { importFile, recogniseFormat } from '../../electron/core/exchange/import-files.js';
import { MAX_ENTRIES } from '../../electron/core/exchange/apple-health/apple-export.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import {
  APPLE_DTD,
  appleExport,
  bloodPressure,
  healthXml,
  record,
  sampleClinicalFiles,
  zipOf,
  zipOfEmptyEntries,
} from '../../testkit/apple-export.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

type Quantity = { value: number; unit: string; system: string; code: string };
type Observation = {
  id: string;
  code: { coding: { code: string }[]; text: string };
  effectiveDateTime?: string;
  effectivePeriod?: { start: string; end: string };
  valueQuantity?: Quantity;
  component?: { code: { text: string; coding: { code: string }[] }; valueQuantity: Quantity }[];
  note?: { text: string }[];
};

const heartRateDay = Array.from({ length: 100 }, (_, i) => {
  const minutes = i * 5;
  const at = `2024-02-10 ${String(Math.floor(minutes / 60) + 6).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00 -0800`;
  return record('HeartRate', 'count/min', 60 + (i % 41), at, 'Jane’s Apple Watch');
}).join('\n');

const BODY = [
  record('BodyMass', 'lb', 165.3, '2024-02-09 07:10:00 -0800'),
  record('BodyMass', 'lb', 164.8, '2024-02-10 07:12:00 -0800'),
  record('Height', 'cm', 170, '2024-01-02 09:00:00 -0800'),
  heartRateDay,
  record('HeartRate', 'count/min', 72, '2024-02-11 08:00:00 -0800'),
  record('HeartRate', 'count/min', 75, '2024-02-11 09:00:00 -0800'),
  bloodPressure(128, 82, '2024-02-10 08:00:00 -0800'),
  bloodPressure(122, 79, '2024-02-10 20:00:00 -0800'),
  record('OxygenSaturation', '%', 0.97, '2024-02-10 03:00:00 -0800'),
  record('BloodGlucose', 'mg/dL', 104, '2024-02-10 07:30:00 -0800'),
  record('BodyTemperature', 'degF', 98.9, '2024-02-10 07:31:00 -0800'),
  record('RespiratoryRate', 'count/min', 14.5, '2024-02-10 03:00:00 -0800'),
  // Not a vital sign: left out.
  record('StepCount', 'count', 1200, '2024-02-10 10:00:00 -0800'),
].join('\n');

describe('Apple Health exports come in', () => {
  let vault: VaultFile;
  let personId: number;
  let dir: string;
  const count = () => vault.db.prepare('SELECT count(*) FROM resources').pluck().get() as number;
  const sources = () =>
    vault.db.prepare('SELECT count(*) FROM connections WHERE person_id = ?').pluck().get(personId) as number;
  const observations = () =>
    (
      vault.db
        .prepare(
          `SELECT r.raw FROM resources r JOIN connections c ON c.id = r.connection_id
           WHERE r.person_id = ? AND c.label = 'Apple Health' AND r.resource_type = 'Observation'`,
        )
        .pluck()
        .all(personId) as string[]
    ).map((raw) => JSON.parse(raw) as Observation);

  beforeAll(async () => {
    dir = tempDir('phr-vault-apple-');
    vault = new VaultFile(join(dir, 'v.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create('correct horse battery');
    personId = addPerson(vault.db, { name: 'Jane', relationship: 'self' }).id;
  });
  afterAll(() => vault?.lock());

  it('stores the clinical records under the institution each names and the measurements as vital signs of Apple Health', async () => {
    const clinical = sampleClinicalFiles();
    const bytes = await appleExport(BODY, clinical);
    expect(await recogniseFormat({ name: 'export.zip', bytes })).toBe('apple-health');
    const report = await importFile(vault.db, { name: 'export.zip', bytes }, { personId });
    // 2 weights, a height, 3 heart rates (a summarised day and two samples), 2 blood pressures,
    // SpO2, glucose, temperature, respiratory rate: 12, and 16 clinical records.
    expect(report).toMatchObject({ format: 'apple-health', added: 12 + 16, updated: 0 });
    expect(report?.about).toBe(
      'Apple Health export: 12 vital signs from 111 samples, 16 clinical records from fhir.valley-hospital.example, fhir.lakeside-clinic.example',
    );

    const bySource = vault.db
      .prepare(
        `SELECT c.label, r.fhir_version AS version, count(*) AS n FROM resources r JOIN connections c ON c.id = r.connection_id
         WHERE r.person_id = ? GROUP BY c.label, r.fhir_version ORDER BY c.label`,
      )
      .all(personId);
    expect(bySource).toEqual([
      { label: 'Apple Health', version: 'R4', n: 12 },
      { label: 'fhir.lakeside-clinic.example', version: 'R4', n: 8 },
      { label: 'fhir.valley-hospital.example', version: 'DSTU2', n: 8 },
    ]);

    const all = observations();
    const byCode = (code: string) => all.filter((o) => o.code.coding[0]!.code === code);
    // Values as measured, units as UCUM.
    expect(byCode('29463-7').map((o) => o.valueQuantity)).toContainEqual({
      value: 165.3,
      unit: 'lb',
      system: 'http://unitsofmeasure.org',
      code: '[lb_av]',
    });
    expect(byCode('29463-7')[0]!.effectiveDateTime).toMatch(/^2024-02-(09|10)T07:1\d:00-08:00$/);
    expect(byCode('8310-5')[0]!.valueQuantity).toMatchObject({ value: 98.9, code: '[degF]' });
    expect(byCode('2339-0')[0]!.valueQuantity).toMatchObject({ value: 104, code: 'mg/dL' });
    expect(byCode('9279-1')[0]!.valueQuantity).toMatchObject({ value: 14.5, code: '/min' });
    expect(byCode('59408-5')[0]!.valueQuantity).toMatchObject({ value: 97, code: '%' });

    // The watch's day of heart rates is one Observation: lowest, mean and highest of 100 samples.
    const heart = byCode('8867-4');
    expect(heart).toHaveLength(3);
    const day = heart.find((o) => o.effectivePeriod)!;
    expect(day.effectivePeriod).toEqual({
      start: '2024-02-10T06:00:00-08:00',
      end: '2024-02-10T14:15:00-08:00',
    });
    const values = Array.from({ length: 100 }, (_, i) => 60 + (i % 41));
    const mean = Math.round((values.reduce((a, b) => a + b, 0) / 100) * 100) / 100;
    expect(day.component?.map((c) => [c.code.text, c.valueQuantity.value, c.valueQuantity.code])).toEqual([
      ['Lowest heart rate', 60, '/min'],
      ['Mean heart rate', mean, '/min'],
      ['Highest heart rate', 100, '/min'],
    ]);
    expect(day.valueQuantity?.value).toBe(mean);
    expect(day.note?.[0]?.text).toMatch(/Summary of 100 samples/);
    expect(day.code.text).toBe("Heart rate, day's mean of 100 samples, 60–100");

    // Blood pressure from each Correlation, once (not again from the loose systolic/diastolic rows).
    const pressures = byCode('85354-9');
    expect(
      pressures.map((o) => o.component?.map((c) => [c.code.coding[0]!.code, c.valueQuantity.value])).sort(),
    ).toEqual([
      [
        ['8480-6', 122],
        ['8462-4', 79],
      ],
      [
        ['8480-6', 128],
        ['8462-4', 82],
      ],
    ]);
    expect(pressures[0]!.component![0]!.valueQuantity.code).toBe('mm[Hg]');

    // The same export again changes nothing.
    const again = await importFile(vault.db, { name: 'export.zip', bytes }, { personId });
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 28 });
  });

  it('reads export.xml on its own as well', async () => {
    const bytes = Buffer.from(healthXml(record('BodyMass', 'kg', 71.2, '2023-05-01 08:00:00 +0200')));
    const report = await importFile(vault.db, { name: 'export.xml', bytes }, { personId });
    expect(report).toMatchObject({ format: 'apple-health', added: 1 });
    const weight = observations().find((o) => o.effectiveDateTime === '2023-05-01T08:00:00+02:00');
    expect(weight?.valueQuantity).toMatchObject({ value: 71.2, code: 'kg' });
  });

  describe('hostile files are refused in plain words, with nothing stored, in bounded time and memory', () => {
    const refusedWith = async (name: string, bytes: Buffer, message: RegExp) => {
      const before = { records: count(), sources: sources() };
      const heap = process.memoryUsage().heapUsed;
      const started = performance.now();
      const failure = await importFile(vault.db, { name, bytes }, { personId }).catch((e: unknown) => e);
      // Bounds of safety, not speed goals: a file that got past the checks would take seconds and
      // hundreds of megabytes (it would be inflated and parsed whole).
      expect(performance.now() - started).toBeLessThan(3000);
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 * 1024 * 1024);
      expect(isVaultError(failure, 'bad-input'), String(failure)).toBe(true);
      expect((failure as Error).message).toMatch(message);
      expect({ records: count(), sources: sources() }).toEqual(before);
    };

    it('XML with an external entity (XXE)', async () => {
      const xxe = healthXml(
        record('BodyMass', 'lb', 150, '2024-02-09 07:10:00 -0800'),
        '<!DOCTYPE HealthData [\n<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>',
      ).replace('<ExportDate', '<Note>&secret;</Note>\n <ExportDate');
      await refusedWith('export.xml', Buffer.from(xxe), /export\.xml declares entities in its DOCTYPE/);
      const external = healthXml(
        record('BodyMass', 'lb', 150, '2024-02-09 07:10:00 -0800'),
        '<!DOCTYPE HealthData SYSTEM "http://127.0.0.1:9/health.dtd">',
      );
      await refusedWith(
        'export.xml',
        Buffer.from(external),
        /export\.xml points its DOCTYPE at an outside file/,
      );
    });

    it('XML with entity expansion (billion laughs), inside a zip', async () => {
      const lol = ['<!ENTITY lol "lol">'];
      for (let i = 1; i <= 9; i++)
        lol.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
      const laughs = healthXml(
        `${record('BodyMass', 'lb', 150, '2024-02-09 07:10:00 -0800')}\n <Note>&lol9;</Note>`,
        `<!DOCTYPE HealthData [\n${lol.join('\n')}\n]>`,
      );
      const bytes = await zipOf([{ name: 'apple_health_export/export.xml', data: laughs }]);
      await refusedWith('export.zip', bytes, /export\.zip \(export\.xml\) declares entities in its DOCTYPE/);
    });

    it('an entity used without being declared (the DOCTYPE Apple writes declares none)', async () => {
      const xml = healthXml(
        `${record('BodyMass', 'lb', 150, '2024-02-09 07:10:00 -0800')}\n <Note>&lol9;</Note>`,
      );
      expect(xml).toContain(APPLE_DTD);
      await refusedWith(
        'export.xml',
        Buffer.from(xml),
        /export\.xml is not well-formed XML \(.*undefined entity/,
      );
    });

    it('a zip entry whose name climbs out of the archive', async () => {
      const zip = await zipOf([
        { name: 'apple_health_export/export.xml', data: healthXml(BODY) },
        { name: 'QZQZQZevil.json', data: '{}' },
      ]);
      // yazl refuses such names when writing, as a zip writer should; the name is changed after.
      const bytes = Buffer.from(zip.toString('latin1').replaceAll('QZQZQZ', '../../'), 'latin1');
      await refusedWith(
        'export.zip',
        bytes,
        /export\.zip has a file that points outside the archive \(\.\.\/\.\.\/evil\.json\)/,
      );
    });

    it('a zip bomb by compression ratio', async () => {
      const bytes = await zipOf([
        { name: 'apple_health_export/export.xml', data: Buffer.alloc(64 * 1024 * 1024, 0x20) },
      ]);
      expect(bytes.length).toBeLessThan(200 * 1024);
      await refusedWith(
        'export.zip',
        bytes,
        /export\.zip has a file that would grow \d+ times when unpacked/,
      );
    });

    it('a zip with more entries than any export', async () => {
      const bytes = zipOfEmptyEntries(
        MAX_ENTRIES + 1,
        (i) => `apple_health_export/workout-routes/route_${i}.gpx`,
      );
      await refusedWith('export.zip', bytes, new RegExp(`export\\.zip holds ${MAX_ENTRIES + 1} files`));
    });

    it('a zip without export.xml, and one whose clinical record is not JSON', async () => {
      await refusedWith(
        'export.zip',
        await zipOf([{ name: 'notes/readme.txt', data: 'hello' }]),
        /export\.zip is a zip archive without an Apple Health export\.xml in it/,
      );
      const [first] = sampleClinicalFiles();
      const broken = await appleExport(BODY, [{ ...first!, json: '{"resourceType": "Patient", ' }]);
      await refusedWith(
        'export.zip',
        broken,
        /export\.zip \(clinical-records\/Patient-.*\.json\) is not JSON/,
      );
    });
  });
});
