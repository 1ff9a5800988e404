import { randomUUID } from 'node:crypto';
import type { Json } from '../../records/fhir-values.js';
import { asPatientReported } from '../../records/own-entries.js';
import type { ExportIssue, SectionCount } from './export-request.js';
import { EntryUrls, patientResource, type BundleOptions } from './fhir-bundle.js';
import type { HealthSummary, SectionKey, SummarySection } from './health-summary.js';
import type { PatientFacts } from './selection.js';

/**
 * The International Patient Summary: a FHIR document Bundle whose Composition has the three
 * sections IPS requires (medications, allergies, problems), the recommended and optional ones
 * the patient has records for, and for a required section with nothing in it an entry that says
 * "no information" in IPS's own absent/unknown codes, so the reader knows it was not forgotten.
 */
const IPS_SECTIONS: Partial<Record<SectionKey, { code: string; display: string; required: boolean }>> = {
  medications: { code: '10160-0', display: 'History of Medication use Narrative', required: true },
  allergies: { code: '48765-2', display: 'Allergies and adverse reactions Document', required: true },
  problems: { code: '11450-4', display: 'Problem list - Reported', required: true },
  immunizations: { code: '11369-6', display: 'History of Immunization Narrative', required: false },
  results: {
    code: '30954-2',
    display: 'Relevant diagnostic tests/laboratory data Narrative',
    required: false,
  },
  procedures: { code: '47519-4', display: 'History of Procedures Document', required: false },
  'vital-signs': { code: '8716-3', display: 'Vital signs', required: false },
  'social-history': { code: '29762-2', display: 'Social history Narrative', required: false },
};

const ABSENT = 'http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips';
const DATA_ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

function noInformation(key: 'medications' | 'allergies' | 'problems', patientUrl: string): Json {
  const id = randomUUID();
  const subject = { reference: patientUrl };
  const active = {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
  };
  switch (key) {
    case 'medications':
      return {
        resourceType: 'MedicationStatement',
        id,
        status: 'unknown',
        medicationCodeableConcept: {
          coding: [
            { system: ABSENT, code: 'no-medication-info', display: 'No information about medications' },
          ],
        },
        subject,
        _effectiveDateTime: { extension: [{ url: DATA_ABSENT, valueCode: 'unknown' }] },
      };
    case 'allergies':
      return {
        resourceType: 'AllergyIntolerance',
        id,
        clinicalStatus: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
          ],
        },
        code: {
          coding: [{ system: ABSENT, code: 'no-allergy-info', display: 'No information about allergies' }],
        },
        patient: subject,
      };
    case 'problems':
      return {
        resourceType: 'Condition',
        id,
        clinicalStatus: active,
        code: {
          coding: [{ system: ABSENT, code: 'no-problem-info', display: 'No information about problems' }],
        },
        subject,
      };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

function narrative(section: SummarySection): string {
  if (section.entries.length === 0) {
    return '<div xmlns="http://www.w3.org/1999/xhtml"><p>No information</p></div>';
  }
  const head = section.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = section.entries
    .flatMap((e) => e.rows)
    .map((row) => `<tr>${row.cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('');
  return `<div xmlns="http://www.w3.org/1999/xhtml"><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function writePatientSummary(
  summary: HealthSummary,
  facts: PatientFacts,
  options: BundleOptions,
): { bundle: Json; sections: SectionCount[]; issues: ExportIssue[] } {
  const urls = new EntryUrls();
  const issues = [...summary.issues];
  const now = options.now.toISOString();
  const patient = patientResource(facts);
  const patientUrl = urls.for(patient, 'patient');
  const device: Json = {
    resourceType: 'Device',
    id: randomUUID(),
    deviceName: [{ name: 'PHR Vault', type: 'model-name' }],
    version: [{ value: options.appVersion }],
  };
  const deviceUrl = urls.for(device, 'device');
  const resources: Json[] = [];
  const compositionSections: Json[] = [];
  const counts: SectionCount[] = [];

  for (const section of summary.sections) {
    const spec = IPS_SECTIONS[section.key];
    if (!spec) {
      for (const entry of section.entries)
        for (const row of entry.rows)
          issues.push({
            recordId: row.record.id,
            resourceType: row.record.resourceType,
            title: row.record.title,
            kind: 'left-out',
            reason: `${section.title} are not a section of an International Patient Summary.`,
          });
      continue;
    }
    const references: string[] = [];
    for (const entry of section.entries) {
      const urlsOfEntry = entry.rows.map((row) => {
        const url = urls.for(row.record.resource, `record-${row.record.id}`);
        // The patient's own entries name the document's Patient as who reported them.
        const resource = row.record.enteredByPatient
          ? asPatientReported(row.record.resource, patientUrl, facts.name)
          : row.record.resource;
        resources.push({ fullUrl: url, resource });
        return url;
      });
      if (entry.report) {
        const url = urls.for(entry.report.resource, `record-${entry.report.id}`);
        resources.push({ fullUrl: url, resource: entry.report.resource });
        references.push(url);
      } else references.push(...urlsOfEntry);
    }
    if (references.length === 0) {
      if (!spec.required) continue;
      const absent = noInformation(section.key as 'medications' | 'allergies' | 'problems', patientUrl);
      const url = urls.for(absent, `absent-${section.key}`);
      resources.push({ fullUrl: url, resource: absent });
      references.push(url);
    }
    counts.push({ key: section.key, title: section.title, entries: section.entries.length });
    compositionSections.push({
      title: section.title,
      code: { coding: [{ system: 'http://loinc.org', code: spec.code, display: spec.display }] },
      text: { status: 'generated', div: narrative(section) },
      entry: references.map((reference) => ({ reference })),
    });
  }

  const composition: Json = {
    resourceType: 'Composition',
    id: randomUUID(),
    status: 'final',
    type: { coding: [{ system: 'http://loinc.org', code: '60591-5', display: 'Patient summary Document' }] },
    subject: { reference: patientUrl },
    date: now,
    author: [{ reference: deviceUrl }],
    title: `International Patient Summary of ${facts.name}`,
    section: compositionSections,
  };
  const bundle: Json = {
    resourceType: 'Bundle',
    id: randomUUID(),
    identifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${randomUUID()}` },
    type: 'document',
    timestamp: now,
    entry: [
      { fullUrl: `urn:uuid:${String(composition.id)}`, resource: composition },
      { fullUrl: patientUrl, resource: patient },
      { fullUrl: deviceUrl, resource: device },
      ...resources,
    ],
  };
  return { bundle, sections: counts, issues };
}
