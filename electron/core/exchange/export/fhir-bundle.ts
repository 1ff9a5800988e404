import { randomUUID } from 'node:crypto';
import { str, type Json } from '../../records/fhir-values.js';
import { asPatientReported } from '../../records/own-entries.js';
import { stableUuid } from './ccda/cda-values.js';
import type { ExportIssue, SectionCount } from './export-request.js';
import { notConvertedIssue } from './health-summary.js';
import type { PatientFacts, RecordSelection } from './selection.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Full URLs for a bundle's entries. A record whose id is a UUID keeps it (`urn:uuid:<id>`), so
 * references between records written that way by their source (Synthea, many portals) still
 * resolve inside the bundle; any other id, or one seen twice from two sources, gets a fresh one.
 */
export class EntryUrls {
  readonly #used = new Set<string>();

  for(resource: Json, salt: string): string {
    const id = str(resource.id);
    let url = id && UUID.test(id) ? `urn:uuid:${id.toLowerCase()}` : `urn:uuid:${stableUuid(salt, id ?? '')}`;
    if (this.#used.has(url)) url = `urn:uuid:${randomUUID()}`;
    this.#used.add(url);
    return url;
  }
}

/** The person's Patient resource as a source sent it, or one made from what the vault knows of them. */
export function patientResource(facts: PatientFacts): Json {
  if (facts.patient) return facts.patient;
  const patient: Json = {
    resourceType: 'Patient',
    id: stableUuid('person', facts.personId),
    name: [{ text: facts.name }],
  };
  if (facts.birthDate) patient.birthDate = facts.birthDate;
  return patient;
}

export type BundleOptions = { now: Date; appVersion: string };

/**
 * A FHIR R4 collection Bundle of every selected record exactly as it was received (STU3 and DSTU2
 * records converted to R4 by the selection), plus one Provenance per source institution naming
 * where those records came from. What the patient entered themselves points at the bundle's
 * Patient as the one who reported it, and its Provenance names the patient as author.
 */
export function writeFhirBundle(
  chosen: RecordSelection,
  options: BundleOptions,
): { bundle: Json; sections: SectionCount[]; issues: ExportIssue[] } {
  const urls = new EntryUrls();
  const issues: ExportIssue[] = [];
  const entries: Json[] = [];
  const patient = patientResource(chosen.patient);
  const patientUrl = urls.for(patient, 'patient');
  entries.push({ fullUrl: patientUrl, resource: patient });
  const bySource = new Map<number, { label: string; targets: string[]; byPatient: boolean }>();
  const counts = new Map<string, number>();
  for (const record of chosen.records) {
    if (record.fhirVersion !== 'R4') {
      issues.push(notConvertedIssue(record));
      continue;
    }
    // The person's own Patient record is already the bundle's first entry.
    if (record.resourceType === 'Patient' && str(record.resource.id) === str(patient.id)) continue;
    const fullUrl = urls.for(record.resource, `record-${record.id}`);
    const resource = record.enteredByPatient
      ? asPatientReported(record.resource, patientUrl, chosen.patient.name)
      : record.resource;
    entries.push({ fullUrl, resource });
    const source = bySource.get(record.source.connectionId) ?? {
      label: record.source.label,
      targets: [],
      byPatient: record.enteredByPatient === true,
    };
    source.targets.push(fullUrl);
    bySource.set(record.source.connectionId, source);
    counts.set(record.resourceType, (counts.get(record.resourceType) ?? 0) + 1);
  }
  const recorded = options.now.toISOString();
  for (const [connectionId, source] of bySource) {
    const provenance: Json = {
      resourceType: 'Provenance',
      id: stableUuid('provenance', connectionId, recorded),
      target: source.targets.map((reference) => ({ reference })),
      recorded,
      agent: [
        {
          type: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
                code: 'author',
                display: 'Author',
              },
            ],
          },
          // The patient's own entries are authored by the patient: the bundle's Patient.
          who: source.byPatient
            ? { reference: patientUrl, display: chosen.patient.name }
            : { display: source.label },
        },
        {
          type: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type',
                code: 'assembler',
                display: 'Assembler',
              },
            ],
          },
          who: { display: `PHR Vault ${options.appVersion}` },
        },
      ],
    };
    entries.push({ fullUrl: urls.for(provenance, 'provenance'), resource: provenance });
  }
  const bundle: Json = {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: recorded },
    type: 'collection',
    timestamp: recorded,
    entry: entries,
  };
  const sections = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => ({ key: type, title: type, entries: n }));
  return { bundle, sections, issues };
}
