import type { FhirVersion } from '../records/record-columns.js';
import { isObject, list, str, type Json } from '../records/fhir-values.js';

/**
 * Which FHIR version a file was written in. Patients get files from portals and old downloads that
 * rarely say which version they are, and the same record reads differently in each (a condition's
 * onset, an allergy's substance), so the version is decided once per file, before anything is
 * stored, by this rule:
 *
 * 1. A version the caller gives explicitly wins (the person knows better than any guess).
 * 2. Otherwise a version the file declares wins: `meta.fhirVersion` on the Bundle or on a resource
 *    (as `4.0.1`, `3.0.2`, `1.0.2`), or a profile address under `hl7.org/fhir/DSTU2|STU3|R4/`.
 * 3. Otherwise each resource's shape rules versions out (a type that exists only in DSTU2, an
 *    element renamed between versions, a field that became a list). The file is the version that
 *    the fewest resources rule out; a tie goes to the newest, so a file with nothing distinctive
 *    stays R4 as before. Counting rather than requiring agreement keeps one odd resource (servers
 *    do send invalid FHIR) from turning a whole file into nothing.
 */

export const FHIR_VERSIONS: readonly FhirVersion[] = ['R4', 'STU3', 'DSTU2'];

const ALL: ReadonlySet<FhirVersion> = new Set(FHIR_VERSIONS);
const PRE_R4: ReadonlySet<FhirVersion> = new Set(['STU3', 'DSTU2']);
const ONLY_STU3: ReadonlySet<FhirVersion> = new Set(['STU3']);
const ONLY_DSTU2: ReadonlySet<FhirVersion> = new Set(['DSTU2']);
const NOT_DSTU2: ReadonlySet<FhirVersion> = new Set(['R4', 'STU3']);
const NOT_STU3: ReadonlySet<FhirVersion> = new Set(['R4', 'DSTU2']);

/** Types that exist in only some versions (renamed or dropped later). */
const TYPE_VERSIONS: Record<string, ReadonlySet<FhirVersion>> = {
  MedicationOrder: ONLY_DSTU2,
  DiagnosticOrder: ONLY_DSTU2,
  DeviceUseRequest: ONLY_DSTU2,
  Order: ONLY_DSTU2,
  OrderResponse: ONLY_DSTU2,
  Conformance: ONLY_DSTU2,
  ProcedureRequest: PRE_R4,
  ReferralRequest: PRE_R4,
  MedicationRequest: NOT_DSTU2,
  CapabilityStatement: NOT_DSTU2,
  ServiceRequest: new Set(['R4']),
};

/** `4.0.1` → R4 (R4B's 4.3 reads the same for what the app uses), `3.0.x` → STU3, `1.0.x` → DSTU2. */
export function versionFromNumber(value: string): FhirVersion | undefined {
  if (/^4\.[0-3]\b/.test(value)) return 'R4';
  if (/^3\.0\b/.test(value)) return 'STU3';
  if (/^1\.0\b/.test(value)) return 'DSTU2';
  return undefined;
}

/** The version a resource (or Bundle) says it is, if it says. */
export function declaredVersion(resource: Json): FhirVersion | undefined {
  const meta = isObject(resource.meta) ? resource.meta : undefined;
  if (!meta) return undefined;
  const number = str(meta.fhirVersion);
  const fromNumber = number ? versionFromNumber(number) : undefined;
  if (fromNumber) return fromNumber;
  for (const profile of list(meta.profile)) {
    // Only a text is a profile address; String() would throw on some objects a file can hold.
    if (typeof profile !== 'string') continue;
    const match = /hl7\.org\/fhir\/(DSTU2|STU3|R4)\//.exec(profile);
    if (match) return match[1] as FhirVersion;
  }
  return undefined;
}

const isString = (value: unknown) => typeof value === 'string';
const isSingleObject = (value: unknown) => isObject(value);
const has = (r: Json, key: string) => r[key] !== undefined;

/** Element shapes that tell versions apart, per type: [is it so, the versions where it can be]. */
const SHAPES: Record<string, [(r: Json) => boolean, ReadonlySet<FhirVersion>][]> = {
  Condition: [
    [(r) => isString(r.clinicalStatus) || isString(r.verificationStatus), PRE_R4],
    [(r) => has(r, 'dateRecorded') || has(r, 'patient'), ONLY_DSTU2],
    [(r) => has(r, 'assertedDate') || has(r, 'context'), ONLY_STU3],
    [(r) => has(r, 'recordedDate') || has(r, 'encounter'), NOT_STU3],
  ],
  AllergyIntolerance: [
    [(r) => has(r, 'substance') || has(r, 'onset') || isString(r.status), ONLY_DSTU2],
    [
      (r) => has(r, 'assertedDate') || isString(r.clinicalStatus) || isString(r.verificationStatus),
      ONLY_STU3,
    ],
    [(r) => has(r, 'recordedDate'), NOT_STU3],
  ],
  Immunization: [
    [(r) => has(r, 'wasNotGiven') || typeof r.reported === 'boolean', ONLY_DSTU2],
    [(r) => has(r, 'notGiven'), ONLY_STU3],
    [(r) => has(r, 'date'), PRE_R4],
    [(r) => has(r, 'occurrenceDateTime') || has(r, 'occurrenceString'), new Set(['R4'])],
  ],
  Observation: [
    // DSTU2 allowed one category; STU3 and R4 a list.
    [(r) => isSingleObject(r.category) || has(r, 'comments'), ONLY_DSTU2],
    [(r) => Array.isArray(r.category), NOT_DSTU2],
    [(r) => has(r, 'context'), ONLY_STU3],
    [(r) => has(r, 'encounter'), NOT_STU3],
  ],
  DiagnosticReport: [
    // One category before R4, a list in R4.
    [(r) => isSingleObject(r.category), PRE_R4],
    [(r) => has(r, 'request') || (isObject(r.performer) && !Array.isArray(r.performer)), ONLY_DSTU2],
    [(r) => has(r, 'context'), ONLY_STU3],
    [(r) => Array.isArray(r.category), new Set(['R4'])],
    [(r) => has(r, 'encounter'), NOT_STU3],
  ],
  Procedure: [
    [(r) => has(r, 'notPerformed') || has(r, 'reasonNotPerformed'), ONLY_DSTU2],
    [(r) => has(r, 'notDone') || has(r, 'context'), ONLY_STU3],
    [(r) => has(r, 'encounter'), NOT_STU3],
  ],
  Encounter: [
    [(r) => isString(r.class) || has(r, 'patient'), ONLY_DSTU2],
    [(r) => isObject(r.class) || has(r, 'subject'), NOT_DSTU2],
  ],
  MedicationRequest: [
    [(r) => has(r, 'context') || (isObject(r.requester) && has(r.requester, 'agent')), ONLY_STU3],
    [(r) => has(r, 'encounter'), new Set(['R4'])],
  ],
  MedicationStatement: [
    [(r) => has(r, 'patient') || has(r, 'wasNotTaken'), ONLY_DSTU2],
    [(r) => has(r, 'taken'), ONLY_STU3],
  ],
  Patient: [
    [(r) => has(r, 'careProvider'), ONLY_DSTU2],
    [(r) => has(r, 'animal'), PRE_R4],
    [(r) => has(r, 'generalPractitioner'), NOT_DSTU2],
  ],
};

/** The versions a resource's shape allows (all three when nothing in it is distinctive). */
export function versionsAllowedBy(resource: Json): ReadonlySet<FhirVersion> {
  const type = String(resource.resourceType);
  let allowed = new Set(TYPE_VERSIONS[type] ?? ALL);
  for (const [matches, versions] of SHAPES[type] ?? []) {
    if (matches(resource)) allowed = new Set([...allowed].filter((v) => versions.has(v)));
  }
  return allowed;
}

/** Gathers what a file's resources say, one resource at a time, then decides by the rule above. */
export class FhirVersionTally {
  private declared: FhirVersion | undefined;
  private readonly ruledOut: Record<FhirVersion, number> = { R4: 0, STU3: 0, DSTU2: 0 };

  /** A Bundle's own declaration counts too, though its entries are what gets stored. */
  declare(resource: Json): void {
    this.declared ??= declaredVersion(resource);
  }

  add(resource: Json): void {
    this.declare(resource);
    const allowed = versionsAllowedBy(resource);
    // A resource that contradicts itself says nothing useful about its file.
    if (allowed.size === 0) return;
    for (const version of FHIR_VERSIONS) if (!allowed.has(version)) this.ruledOut[version]++;
  }

  get version(): FhirVersion {
    if (this.declared) return this.declared;
    // FHIR_VERSIONS is newest first, so the first lowest count is the newest of the tied.
    let best: FhirVersion = 'R4';
    for (const version of FHIR_VERSIONS) if (this.ruledOut[version] < this.ruledOut[best]) best = version;
    return best;
  }
}

/** The version of resources read together (a file's entries), by the rule above. */
export function detectFhirVersion(resources: Iterable<Json>): FhirVersion {
  const tally = new FhirVersionTally();
  for (const resource of resources) tally.add(resource);
  return tally.version;
}
