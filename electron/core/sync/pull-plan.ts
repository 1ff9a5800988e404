import type { FhirVersion } from '../records/record-columns.js';

/**
 * What sync asks a server for, per FHIR version: the patient's own records by search, and the
 * resources they point to (who, where, which drug) by read. DSTU2 names a prescription
 * MedicationOrder; CareTeam does not exist before STU3; DSTU2's Coverage cannot be searched by
 * patient at all, so it is left out there.
 */
export type PatientSearch = {
  resourceType: string;
  /** The search parameter that names the patient. */
  patientParam: string;
  /**
   * Some EHRs (Epic among them) refuse a search without a category. When the plain search is
   * refused, each of these is asked for in turn instead.
   */
  categories?: readonly string[];
  /**
   * Asked for only when the server's CapabilityStatement lists the type: less common records that
   * a server without a readable statement should not be probed for one by one.
   */
  onlyWhenListed?: boolean;
};

/**
 * Every category an Observation may be filed under, for servers that answer Observations only by
 * category (Epic): FHIR's own, US Core's (clinical-test, sdoh, the status and preference ones)
 * and Epic's (core-characteristics, functional-mental-status, LDA, smartdata, obstetrics-gynecology).
 * An Observation filed under none of these cannot be asked for there.
 */
const OBSERVATION_CATEGORIES = [
  'laboratory',
  'vital-signs',
  'social-history',
  'survey',
  'exam',
  'imaging',
  'procedure',
  'therapy',
  'activity',
  'clinical-test',
  'sdoh',
  'functional-status',
  'disability-status',
  'cognitive-status',
  'treatment-intervention-preference',
  'care-experience-preference',
  'observation-adi-documentation',
  'core-characteristics',
  'functional-mental-status',
  'LDA',
  'smartdata',
  'obstetrics-gynecology',
] as const;

const common: readonly PatientSearch[] = [
  { resourceType: 'AllergyIntolerance', patientParam: 'patient' },
  { resourceType: 'Condition', patientParam: 'patient' },
  { resourceType: 'Immunization', patientParam: 'patient' },
  { resourceType: 'Observation', patientParam: 'patient', categories: OBSERVATION_CATEGORIES },
  { resourceType: 'MedicationStatement', patientParam: 'patient' },
  { resourceType: 'Procedure', patientParam: 'patient' },
  { resourceType: 'DiagnosticReport', patientParam: 'patient' },
  { resourceType: 'DocumentReference', patientParam: 'patient' },
  { resourceType: 'Encounter', patientParam: 'patient' },
  { resourceType: 'CarePlan', patientParam: 'patient' },
  { resourceType: 'Goal', patientParam: 'patient' },
  { resourceType: 'Device', patientParam: 'patient' },
];

/** The rest of the patient's compartment a server may offer: dispensing, imaging, claims, family history. */
const listed = (...types: string[]): PatientSearch[] =>
  types.map((resourceType) => ({ resourceType, patientParam: 'patient', onlyWhenListed: true }));

/** Listed types every version has; ExplanationOfBenefit came with STU3. */
const DSTU2_LISTED = [
  'MedicationDispense',
  'MedicationAdministration',
  'ImagingStudy',
  'Specimen',
  'FamilyMemberHistory',
  'RelatedPerson',
  'Claim',
];
const LATER_LISTED = [...DSTU2_LISTED, 'ExplanationOfBenefit'];

const searches: Record<FhirVersion, readonly PatientSearch[]> = {
  R4: [
    ...common,
    ...listed('ServiceRequest', 'Media', ...LATER_LISTED),
    {
      resourceType: 'Condition',
      patientParam: 'patient',
      categories: ['problem-list-item', 'encounter-diagnosis', 'health-concern'],
    },
    { resourceType: 'MedicationRequest', patientParam: 'patient' },
    { resourceType: 'CareTeam', patientParam: 'patient' },
    { resourceType: 'Coverage', patientParam: 'beneficiary' },
  ],
  STU3: [
    ...common,
    ...listed('ProcedureRequest', 'Media', ...LATER_LISTED),
    {
      resourceType: 'Condition',
      patientParam: 'patient',
      categories: ['problem-list-item', 'encounter-diagnosis'],
    },
    { resourceType: 'MedicationRequest', patientParam: 'patient' },
    { resourceType: 'CareTeam', patientParam: 'patient' },
    { resourceType: 'Coverage', patientParam: 'beneficiary' },
  ],
  DSTU2: [
    ...common,
    { resourceType: 'MedicationOrder', patientParam: 'patient' },
    ...listed('DiagnosticOrder', 'ProcedureRequest', ...DSTU2_LISTED),
  ],
};

/** One search per type: a later entry for the same type (with its categories) replaces the common one. */
export function patientSearches(version: FhirVersion): PatientSearch[] {
  const byType = new Map<string, PatientSearch>();
  for (const search of searches[version]) byType.set(search.resourceType, search);
  return [...byType.values()];
}

/** Types that explain other records and are read one by one when a record points to them. */
export const REFERENCED_TYPES = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
] as const;

/** The first address of a search: the patient's records of one type, `count` per page. */
export function searchAddress(
  search: PatientSearch,
  patientId: string,
  count: number,
  extra: Record<string, string> = {},
): string {
  const params = new URLSearchParams({ [search.patientParam]: patientId, _count: String(count), ...extra });
  return `${search.resourceType}?${params.toString()}`;
}
