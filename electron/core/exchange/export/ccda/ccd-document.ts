import { randomUUID } from 'node:crypto';
import { isObject, list, str, type Json } from '../../../records/fhir-values.js';
import type { ExportIssue, SectionCount } from '../export-request.js';
import type { HealthSummary, SectionKey, SummarySection } from '../health-summary.js';
import type { ExportRecord, PatientFacts } from '../selection.js';
import { cdaNow, cdaTime, OID, stableUuid, writeTime } from './cda-values.js';
import { ENTRY_WRITERS, unwritable, type EntryContext } from './ccd-entries.js';
import { XmlWriter } from './xml-writer.js';

/**
 * A C-CDA R2.1 Continuity of Care Document.
 *
 * Why our own templates rather than @medplum/ccda's convertFhirToCcda: tried (5.1.10) on the IPS
 * document bundles this exporter writes for two fixture patients, it produced documents that
 * fail the CDA schema (languageCode where confidentialityCode must come first), 39 failed
 * errors-phase asserts each (no author, no custodian), and sections without coded entries (it
 * did not follow the bundle's urn:uuid references). Past that bar, the export also needs what a
 * bundle-in, document-out converter cannot give: a list of what could not be said (instead of a
 * silent drop), nullFlavors for records as careless servers send them, and the same sections as
 * the IPS and the printed page. Each template is a small function here, and every document is
 * checked by xmllint and the R2.1 schematron in the tests.
 */

type SectionSpec = {
  templateId: string;
  extension: string;
  code: string;
  codeName: string;
  /** A CCD must have this section even when empty (it then says "no information"). */
  required: boolean;
  idPrefix: string;
};

const SECTIONS: Record<SectionKey, SectionSpec> = {
  allergies: {
    templateId: '2.16.840.1.113883.10.20.22.2.6.1',
    extension: '2015-08-01',
    code: '48765-2',
    codeName: 'Allergies and adverse reactions Document',
    required: true,
    idPrefix: 'allergy',
  },
  medications: {
    templateId: '2.16.840.1.113883.10.20.22.2.1.1',
    extension: '2014-06-09',
    code: '10160-0',
    codeName: 'History of Medication use Narrative',
    required: true,
    idPrefix: 'medication',
  },
  problems: {
    templateId: '2.16.840.1.113883.10.20.22.2.5.1',
    extension: '2015-08-01',
    code: '11450-4',
    codeName: 'Problem list - Reported',
    required: true,
    idPrefix: 'problem',
  },
  procedures: {
    templateId: '2.16.840.1.113883.10.20.22.2.7.1',
    extension: '2014-06-09',
    code: '47519-4',
    codeName: 'History of Procedures Document',
    required: false,
    idPrefix: 'procedure',
  },
  results: {
    templateId: '2.16.840.1.113883.10.20.22.2.3.1',
    extension: '2015-08-01',
    code: '30954-2',
    codeName: 'Relevant diagnostic tests/laboratory data Narrative',
    required: true,
    idPrefix: 'result',
  },
  'vital-signs': {
    templateId: '2.16.840.1.113883.10.20.22.2.4.1',
    extension: '2015-08-01',
    code: '8716-3',
    codeName: 'Vital signs',
    required: true,
    idPrefix: 'vital',
  },
  immunizations: {
    templateId: '2.16.840.1.113883.10.20.22.2.2.1',
    extension: '2015-08-01',
    code: '11369-6',
    codeName: 'History of Immunization Narrative',
    required: false,
    idPrefix: 'immunization',
  },
  encounters: {
    templateId: '2.16.840.1.113883.10.20.22.2.22.1',
    extension: '2015-08-01',
    code: '46240-8',
    codeName: 'History of Hospitalizations+Outpatient visits Narrative',
    required: false,
    idPrefix: 'encounter',
  },
  'social-history': {
    templateId: '2.16.840.1.113883.10.20.22.2.17',
    extension: '2015-08-01',
    code: '29762-2',
    codeName: 'Social history Narrative',
    required: true,
    idPrefix: 'social',
  },
};

export type CcdOptions = {
  now: Date;
  appVersion: string;
  /** Seeds stable entry ids: the same vault writes the same ids for the same records. */
  idSeed: string;
  from?: string | undefined;
  to?: string | undefined;
  onSection?: (done: number, total: number) => void;
};

export type CcdDocument = { xml: string; sections: SectionCount[]; issues: ExportIssue[] };

const GENDER: Record<string, string> = { male: 'M', female: 'F' };
const ADDRESS_USE: Record<string, string> = { home: 'HP', work: 'WP', temp: 'TMP' };

/**
 * A record's code looked up in a table: only a text of the table's own keys (a file can hold an
 * object String() throws on, or "constructor", which every object answers).
 */
function lookUp(table: Record<string, string>, code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(table, code) ? table[code] : undefined;
}
const TELECOM_USE: Record<string, string> = { home: 'HP', work: 'WP', mobile: 'MC', temp: 'TMP' };
const OMB_RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';
const OMB_ETHNICITY = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity';

export function writeCcd(summary: HealthSummary, patient: PatientFacts, options: CcdOptions): CcdDocument {
  const w = new XmlWriter();
  const issues = [...summary.issues];
  const now = cdaNow(options.now);
  const p = patient.patient ?? {};
  const sections: SectionCount[] = [];
  w.el(
    'ClinicalDocument',
    {
      xmlns: 'urn:hl7-org:v3',
      'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'xmlns:sdtc': 'urn:hl7-org:sdtc',
    },
    () => {
      w.el('realmCode', { code: 'US' });
      w.el('typeId', { root: '2.16.840.1.113883.1.3', extension: 'POCD_HD000040' });
      // Each R2.1 templateId comes with its R1.1 form (the root alone), as R2.1 asks (CONF:1198-32934).
      w.el('templateId', { root: '2.16.840.1.113883.10.20.22.1.1' });
      w.el('templateId', { root: '2.16.840.1.113883.10.20.22.1.1', extension: '2015-08-01' });
      w.el('templateId', { root: '2.16.840.1.113883.10.20.22.1.2' });
      w.el('templateId', { root: '2.16.840.1.113883.10.20.22.1.2', extension: '2015-08-01' });
      w.el('id', { root: randomUUID() });
      w.el('code', {
        code: '34133-9',
        codeSystem: OID.loinc,
        codeSystemName: 'LOINC',
        displayName: 'Summarization of Episode Note',
      });
      w.text('title', `Health summary of ${patient.name}`);
      w.el('effectiveTime', { value: now });
      w.el('confidentialityCode', { code: 'N', codeSystem: '2.16.840.1.113883.5.25' });
      w.el('languageCode', { code: 'en-US' });
      writeRecordTarget(w, patient, p, options.idSeed);
      writeAuthor(w, p, now, options);
      writeCustodian(w, patient, p, options.idSeed);
      writeServiceEvent(w, summary, options);
      w.el('component', {}, () =>
        w.el('structuredBody', {}, () => {
          summary.sections.forEach((section, i) => {
            const written = writeSection(w, section, issues, options.idSeed, (out, record) =>
              writePatientAuthor(out, record, patient, p, options.idSeed),
            );
            if (written !== undefined)
              sections.push({ key: section.key, title: section.title, entries: written });
            options.onSection?.(i + 1, summary.sections.length);
          });
        }),
      );
    },
  );
  return { xml: w.toString(), sections, issues };
}

function writeAddress(w: XmlWriter, patient: Json): void {
  const address = list(patient.address)
    .filter(isObject)
    .find((a) => a.use !== 'old');
  if (!address) {
    w.el('addr', { nullFlavor: 'UNK' });
    return;
  }
  const use = lookUp(ADDRESS_USE, address.use) ?? 'HP';
  w.el('addr', { use }, () => {
    const lines = list(address.line).map(str).filter(Boolean) as string[];
    if (lines.length === 0) w.el('streetAddressLine', { nullFlavor: 'UNK' });
    for (const line of lines.slice(0, 4)) w.text('streetAddressLine', line);
    const city = str(address.city);
    if (city) w.text('city', city);
    else w.el('city', { nullFlavor: 'UNK' });
    const state = str(address.state);
    if (state) w.text('state', state);
    else w.el('state', { nullFlavor: 'UNK' });
    const postal = str(address.postalCode);
    if (postal) w.text('postalCode', postal);
    else w.el('postalCode', { nullFlavor: 'UNK' });
    w.text('country', str(address.country) ?? 'US');
  });
}

function writeTelecoms(w: XmlWriter, patient: Json): void {
  const telecoms = list(patient.telecom)
    .filter(isObject)
    .filter((t) => str(t.value) && (t.system === 'phone' || t.system === 'email'));
  if (telecoms.length === 0) {
    w.el('telecom', { nullFlavor: 'UNK' });
    return;
  }
  for (const t of telecoms) {
    const value = String(t.value).trim();
    const uri = t.system === 'email' ? `mailto:${value}` : `tel:${value.replace(/[^\d+()-.]/g, '')}`;
    w.el('telecom', { use: lookUp(TELECOM_USE, t.use) ?? 'HP', value: uri });
  }
}

function ombCode(patient: Json, url: string): { code: string; display: string | undefined } | undefined {
  const ext = list(patient.extension)
    .filter(isObject)
    .find((e) => e.url === url);
  if (!ext) return undefined;
  for (const part of list(ext.extension).filter(isObject)) {
    if (part.url === 'ombCategory' && isObject(part.valueCoding)) {
      const code = str(part.valueCoding.code);
      if (code) return { code, display: str(part.valueCoding.display) };
    }
  }
  return undefined;
}

function writePatientName(w: XmlWriter, facts: PatientFacts, patient: Json): void {
  const names = list(patient.name).filter(isObject);
  const name = names.find((n) => n.use === 'official') ?? names.find((n) => n.use !== 'old') ?? names[0];
  const given = name ? (list(name.given).map(str).filter(Boolean) as string[]) : [];
  const family = name ? str(name.family) : undefined;
  if (!given.length && !family) {
    // Only the name the patient gave the vault: keep it as the person wrote it.
    const parts = facts.name.split(/\s+/);
    const last = parts.length > 1 ? parts.pop() : undefined;
    w.el('name', { use: 'L' }, () => {
      w.text('given', parts.join(' '));
      if (last) w.text('family', last);
      else w.el('family', { nullFlavor: 'UNK' });
    });
    return;
  }
  w.el('name', { use: 'L' }, () => {
    for (const g of given) w.text('given', g);
    if (family) w.text('family', family);
    else w.el('family', { nullFlavor: 'UNK' });
  });
}

function writeRecordTarget(w: XmlWriter, facts: PatientFacts, p: Json, idSeed: string): void {
  w.el('recordTarget', {}, () =>
    w.el('patientRole', {}, () => {
      w.el('id', { root: stableUuid(idSeed, 'person', facts.personId) });
      for (const identifier of list(p.identifier).filter(isObject)) {
        const oid = /^urn:oid:([0-2](\.\d+)+)$/.exec(str(identifier.system) ?? '')?.[1];
        const value = str(identifier.value);
        if (oid && value) w.el('id', { root: oid, extension: value });
      }
      writeAddress(w, p);
      writeTelecoms(w, p);
      w.el('patient', {}, () => {
        writePatientName(w, facts, p);
        const gender = lookUp(GENDER, p.gender);
        if (gender)
          w.el('administrativeGenderCode', {
            code: gender,
            codeSystem: '2.16.840.1.113883.5.1',
            codeSystemName: 'AdministrativeGender',
          });
        else w.el('administrativeGenderCode', { nullFlavor: 'UNK' });
        const birth = cdaTime(str(p.birthDate) ?? facts.birthDate);
        if (birth) w.el('birthTime', { value: birth });
        else w.el('birthTime', { nullFlavor: 'UNK' });
        const race = ombCode(p, OMB_RACE);
        const raceAttrs = race
          ? { code: race.code, codeSystem: '2.16.840.1.113883.6.238', displayName: race.display }
          : { nullFlavor: 'UNK' };
        w.el('raceCode', raceAttrs);
        const ethnicity = ombCode(p, OMB_ETHNICITY);
        w.el(
          'ethnicGroupCode',
          ethnicity
            ? { code: ethnicity.code, codeSystem: '2.16.840.1.113883.6.238', displayName: ethnicity.display }
            : { nullFlavor: 'UNK' },
        );
        const language = list(p.communication)
          .filter(isObject)
          .map((c) => (isObject(c.language) ? list(c.language.coding).filter(isObject)[0] : undefined))
          .map((c) => (c ? str(c.code) : undefined))
          .find((c) => c && /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(c));
        if (language) w.el('languageCommunication', {}, () => w.el('languageCode', { code: language }));
      });
    }),
  );
}

/** The author is the patient's own app: PHR Vault, as an authoring device working for them. */
function writeAuthor(w: XmlWriter, p: Json, now: string, options: CcdOptions): void {
  w.el('author', {}, () => {
    w.el('time', { value: now });
    w.el('assignedAuthor', {}, () => {
      w.el('id', { root: stableUuid(options.idSeed, 'author') });
      writeAddress(w, p);
      writeTelecoms(w, p);
      w.el('assignedAuthoringDevice', {}, () => {
        w.text('manufacturerModelName', 'PHR Vault');
        w.text('softwareName', `PHR Vault ${options.appVersion}`);
      });
      // A device author must act for an organisation; here that is the patient's own record-keeping.
      w.el('representedOrganization', {}, () => {
        w.el('id', { root: stableUuid(options.idSeed, 'custodian') });
        w.text('name', 'PHR Vault personal health record');
        writeTelecoms(w, p);
        writeAddress(w, p);
      });
    });
  });
}

/**
 * The patient as the author of an entry they entered themselves (Author Participation,
 * 2.16.840.1.113883.10.20.22.4.119): C-CDA says information is patient-reported by an author
 * whose id is the recordTarget's own patient id (as the Patient Generated Document header does),
 * here with the role "self". The time is when they entered it.
 */
function writePatientAuthor(
  w: XmlWriter,
  record: ExportRecord,
  facts: PatientFacts,
  p: Json,
  idSeed: string,
): void {
  const r = record.resource;
  const entered = str(r.dateAsserted) ?? str(r.recordedDate) ?? str(r.issued);
  w.el('author', {}, () => {
    w.el('templateId', { root: '2.16.840.1.113883.10.20.22.4.119' });
    writeTime(w, 'time', entered);
    w.el('assignedAuthor', {}, () => {
      w.el('id', { root: stableUuid(idSeed, 'person', facts.personId) });
      w.el('code', {
        code: 'ONESELF',
        codeSystem: '2.16.840.1.113883.5.111',
        codeSystemName: 'RoleCode',
        displayName: 'self',
      });
      writeAddress(w, p);
      writeTelecoms(w, p);
      w.el('assignedPerson', {}, () => writePatientName(w, facts, p));
    });
  });
}

/** The patient keeps this copy of their record, so the custodian is their own record-keeping. */
function writeCustodian(w: XmlWriter, facts: PatientFacts, p: Json, idSeed: string): void {
  w.el('custodian', {}, () =>
    w.el('assignedCustodian', {}, () =>
      w.el('representedCustodianOrganization', {}, () => {
        w.el('id', { root: stableUuid(idSeed, 'custodian') });
        w.text('name', `Personal health record of ${facts.name} (PHR Vault)`);
        writeTelecoms(w, p);
        writeAddress(w, p);
      }),
    ),
  );
}

function writeServiceEvent(w: XmlWriter, summary: HealthSummary, options: CcdOptions): void {
  const dates: string[] = [];
  for (const s of summary.sections)
    for (const e of s.entries) for (const row of e.rows) if (row.record.date) dates.push(row.record.date);
  dates.sort();
  const low = cdaTime(options.from) ?? cdaTime(dates[0]);
  const high = cdaTime(options.to) ?? cdaTime(dates.at(-1));
  w.el('documentationOf', {}, () =>
    w.el('serviceEvent', { classCode: 'PCPR' }, () =>
      w.el('effectiveTime', {}, () => {
        w.el('low', low ? { value: low } : { nullFlavor: 'UNK' });
        w.el('high', high ? { value: high } : { nullFlavor: 'UNK' });
      }),
    ),
  );
}

/** Writes one section; returns its entry count, or undefined when an optional empty section is left out. */
function writeSection(
  w: XmlWriter,
  section: SummarySection,
  issues: ExportIssue[],
  idSeed: string,
  patientAuthor: NonNullable<EntryContext['patientAuthor']>,
): number | undefined {
  const spec = SECTIONS[section.key];
  const entries = section.entries.filter((entry) => {
    const gaps = unwritable(section.key, entry);
    issues.push(...gaps);
    return gaps.length === 0;
  });
  const empty = entries.length === 0;
  if (empty && !spec.required) return undefined;
  let rowNumber = 0;
  const rowIds = entries.map((entry) => entry.rows.map(() => `${spec.idPrefix}-${++rowNumber}`));
  let written = 0;
  w.el('component', {}, () =>
    w.el('section', empty ? { nullFlavor: 'NI' } : {}, () => {
      w.el('templateId', { root: spec.templateId });
      w.el('templateId', { root: spec.templateId, extension: spec.extension });
      w.el('code', {
        code: spec.code,
        codeSystem: OID.loinc,
        codeSystemName: 'LOINC',
        displayName: spec.codeName,
      });
      w.text('title', section.title);
      if (empty) {
        w.text('text', 'No information');
        return;
      }
      w.el('text', {}, () =>
        w.el('table', { border: '1', width: '100%' }, () => {
          w.el('thead', {}, () => w.el('tr', {}, () => section.columns.forEach((c) => w.text('th', c))));
          w.el('tbody', {}, () =>
            entries.forEach((entry, i) =>
              entry.rows.forEach((row, j) => {
                const rowId = rowIds[i]?.[j] as string;
                w.el('tr', { ID: rowId }, () =>
                  row.cells.forEach((cell, k) =>
                    k === 0 ? w.text('td', cell, { ID: `${rowId}-name` }) : w.text('td', cell),
                  ),
                );
              }),
            ),
          );
        }),
      );
      const writer = ENTRY_WRITERS[section.key];
      entries.forEach((entry, i) => {
        const ctx: EntryContext = { w, issues, rowIds: rowIds[i] ?? [], idSeed, patientAuthor };
        if (writer(ctx, entry) !== false) written += 1;
      });
    }),
  );
  return written;
}
