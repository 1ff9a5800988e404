import { readFileSync } from 'node:fs';
import yazl from 'yazl';
import { fixtures } from './fixture-paths.js';

/**
 * A test Apple Health export made as the Health app makes one ("Export All Health Data"):
 * `apple_health_export/export.xml` (a DOCTYPE declaring HealthData's elements, then `<HealthData>`
 * with `<Record>`, `<Correlation>` and `<ClinicalRecord>` rows), `export_cda.xml`, and
 * `clinical-records/<Type>-<id>.json`, each the FHIR resource as the institution served it
 * (HealthKit's HKFHIRResource: `data` is the resource's JSON, `sourceURL` its full URL, and the
 * export's ClinicalRecord row carries that URL, the FHIR version and the file's path).
 *
 * The clinical records are the public Synthea patients in tests/fixtures (DSTU2 and R4), each
 * resource written to its own file as Health Records downloads them.
 */

export const APPLE_DTD = `<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 14 -->
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord|Audiogram|VisionPrescription)*)>
<!ATTLIST HealthData
  locale CDATA #REQUIRED
>
<!ELEMENT ExportDate EMPTY>
<!ATTLIST ExportDate
  value CDATA #REQUIRED
>
<!ELEMENT Record ((MetadataEntry|HeartRateVariabilityMetadataList)*)>
<!ATTLIST Record
  type          CDATA #REQUIRED
  unit          CDATA #IMPLIED
  value         CDATA #IMPLIED
  sourceName    CDATA #REQUIRED
  sourceVersion CDATA #IMPLIED
  device        CDATA #IMPLIED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT Correlation ((MetadataEntry|Record)*)>
<!ATTLIST Correlation
  type          CDATA #REQUIRED
  sourceName    CDATA #REQUIRED
  creationDate  CDATA #IMPLIED
  startDate     CDATA #REQUIRED
  endDate       CDATA #REQUIRED
>
<!ELEMENT ClinicalRecord EMPTY>
<!ATTLIST ClinicalRecord
  type              CDATA #REQUIRED
  identifier        CDATA #REQUIRED
  sourceName        CDATA #REQUIRED
  sourceURL         CDATA #REQUIRED
  fhirVersion       CDATA #REQUIRED
  receivedDate      CDATA #REQUIRED
  resourceFilePath  CDATA #REQUIRED
>
]>`;

export function healthXml(body: string, doctype = APPLE_DTD): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
${doctype}
<HealthData locale="en_US">
 <ExportDate value="2024-03-02 09:00:00 -0800"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="1961-05-01" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexFemale"/>
${body}
</HealthData>
`;
}

export const record = (
  type: string,
  unit: string,
  value: number | string,
  startDate: string,
  sourceName = 'Jane’s iPhone',
) =>
  ` <Record type="HKQuantityTypeIdentifier${type}" sourceName="${sourceName}" sourceVersion="17.3" unit="${unit}" creationDate="${startDate}" startDate="${startDate}" endDate="${startDate}" value="${value}"/>`;

export const bloodPressure = (systolic: number, diastolic: number, at: string) =>
  ` <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Omron" creationDate="${at}" startDate="${at}" endDate="${at}">
${record('BloodPressureDiastolic', 'mmHg', diastolic, at, 'Omron')}
${record('BloodPressureSystolic', 'mmHg', systolic, at, 'Omron')}
 </Correlation>
${record('BloodPressureDiastolic', 'mmHg', diastolic, at, 'Omron')}
${record('BloodPressureSystolic', 'mmHg', systolic, at, 'Omron')}`;

type Resource = { resourceType: string; id: string };
export type ClinicalFile = { path: string; json: string; row: string };

/** The first `count` resources of a fixture bundle, each as Health Records would have stored it. */
export function clinicalFiles(
  bundlePath: string,
  count: number,
  base: string,
  fhirVersion: string,
): ClinicalFile[] {
  const bundle = JSON.parse(readFileSync(`${fixtures}${bundlePath}`, 'utf8')) as {
    entry: { resource: Resource }[];
  };
  return bundle.entry.slice(0, count).map(({ resource }) => {
    const path = `clinical-records/${resource.resourceType}-${resource.id}.json`;
    const row = ` <ClinicalRecord type="${resource.resourceType}" identifier="${resource.id}" sourceName="Health Records" sourceURL="${base}/${resource.resourceType}/${resource.id}" fhirVersion="${fhirVersion}" receivedDate="2024-03-01 10:00:00 -0800" resourceFilePath="/${path}"/>`;
    return { path, json: JSON.stringify(resource), row };
  });
}

export const DSTU2_BASE = 'https://fhir.valley-hospital.example/api/FHIR/DSTU2';
export const R4_BASE = 'https://fhir.lakeside-clinic.example/R4';

/** Both institutions' records: 8 DSTU2 resources (Schumm) and 8 R4 resources (Geoffrey Abbott). */
export function sampleClinicalFiles(): ClinicalFile[] {
  return [
    ...clinicalFiles('fhir/dstu2/synthea/Schumm_Irmgard_61.json', 8, DSTU2_BASE, '1.0.2'),
    ...clinicalFiles(
      'fhir/r4/synthea/Geoffrey_Abbott_73a7d6b7-0310-4fff-9b0b-7891a5e390f5.json',
      8,
      R4_BASE,
      '4.0.1',
    ),
  ];
}

/** The zip, with entries named inside `apple_health_export/` as the Health app names them. */
export function zipOf(
  entries: { name: string; data: Buffer | string; compress?: boolean }[],
): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const e of entries)
    zip.addBuffer(Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data), e.name, {
      mtime: new Date('2024-03-02T17:00:00Z'),
      compress: e.compress ?? true,
    });
  zip.end();
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => parts.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(parts)));
    zip.outputStream.on('error', reject);
  });
}

export function appleExport(body: string, clinical: ClinicalFile[] = []): Promise<Buffer> {
  return zipOf([
    {
      name: 'apple_health_export/export.xml',
      data: healthXml(body + '\n' + clinical.map((c) => c.row).join('\n')),
    },
    {
      name: 'apple_health_export/export_cda.xml',
      data: '<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3"></ClinicalDocument>\n',
    },
    ...clinical.map((c) => ({ name: `apple_health_export/${c.path}`, data: c.json })),
  ]);
}

/**
 * A zip of `count` empty stored entries, written directly: yazl spends half a millisecond an entry,
 * far too long for the tens of thousands a test of the entry limit needs. (Hand-written: the format
 * of an empty stored entry is three fixed headers, APPNOTE.TXT 4.3.7, 4.3.12 and 4.3.16.)
 */
export function zipOfEmptyEntries(count: number, nameOf: (i: number) => string): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(nameOf(i), 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(10, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name);
    centrals.push(central, name);
    offset += local.length + name.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
