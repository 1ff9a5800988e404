import type { Json, VendorRequest, VendorRules } from '../../testkit/fhir-records-server.js';
import { startSyncEhr, type SyncEhr } from './sync-ehr.js';

/**
 * EHRs that behave as Epic's and Oracle Health's documented patient-facing FHIR APIs do, on the
 * records server (R4 or DSTU2, paging, tokens checked) and the oidc-provider sign-in. Each rule
 * below refuses what the vendor refuses; where a rule is an inference rather than a documented
 * behaviour, its comment says so.
 */
export type VendorEhrOptions = {
  fhirVersion: 'R4' | 'DSTU2';
  resources: object[];
  /** The scopes the sign-in grants, as the token response says them (default: what was asked). */
  grantedScope?: string;
  /** Default page size when `_count` is not given. */
  pageSize?: number;
};

type Refusal = { status: number; body: Json; headers?: Record<string, string> };

/**
 * The resource types a granted scope string lets a patient app read, or null for all of them.
 * Written here independently of the app's own reading of scopes, so the two can disagree.
 */
function grantedTypes(scope: string | undefined): Set<string> | null {
  if (scope === undefined) return null;
  const types = new Set<string>();
  for (const item of scope.split(/\s+/)) {
    const match = /^(?:patient|user)\/([A-Za-z]+|\*)\.(read|\*|c?r?u?d?s?)(?:\?.*)?$/.exec(item);
    if (match && (match[2] === 'read' || match[2] === '*' || match[2]!.includes('r'))) types.add(match[1]!);
  }
  return types;
}

const allows = (types: Set<string> | null, type: string) => !types || types.has('*') || types.has(type);

const PATIENT_PARAMETERS = ['patient', 'subject', 'beneficiary', '_id'];

// ---------------------------------------------------------------------------------------------
// Epic (fhir.epic.com, open.epic.com)

/** Epic's own code system for the codes in its OperationOutcomes (4101, 4110, 4118, …). */
const EPIC_CODES = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.657369';

function epicOutcome(severity: 'error' | 'warning', code: string, epicCode: string, text: string): Json {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity,
        code,
        details: { coding: [{ system: EPIC_CODES, code: epicCode, display: text }], text },
        diagnostics: text,
      },
    ],
  };
}

export type EpicOptions = VendorEhrOptions & {
  /** A warning Epic adds to a type's searchset as an OperationOutcome entry (`search.mode = outcome`). */
  warnings?: Record<string, string>;
};

export function epicRules(options: EpicOptions): VendorRules {
  const granted = grantedTypes(options.grantedScope);
  return {
    filterByCategory: true,
    // Epic's Binary.Read answers the document itself when Accept names its content type, and a
    // FHIR Binary resource for FHIR JSON.
    binaryByAccept: true,
    searchOutcomes: (type, matches) => [
      // Epic adds an OperationOutcome to a search that found nothing: 4101 "Resource request
      // returns no results." (a warning in the searchset, HTTP 200).
      ...(matches === 0
        ? [epicOutcome('warning', 'processing', '4101', 'Resource request returns no results.')]
        : []),
      // A test's own warning (its wording and code are not Epic's documented ones).
      ...(options.warnings?.[type]
        ? [epicOutcome('warning', 'suppressed', 'test', options.warnings[type])]
        : []),
    ],
    refuse: (request: VendorRequest): Refusal | null => {
      // An API the app's sign-in was not granted answers 403 (Epic: 4118 "User not authorized for
      // request"); it is not retried with success until a new sign-in grants it.
      if (!allows(granted, request.type)) {
        return {
          status: 403,
          body: epicOutcome('error', 'forbidden', '4118', 'User not authorized for request.'),
        };
      }
      if (request.id !== undefined || request.laterPage) return null;
      // A patient app reads its own Patient by the id the token response gave; Patient.Search is
      // not among the APIs a patient-facing app is given.
      if (request.type === 'Patient') {
        return {
          status: 403,
          body: epicOutcome('error', 'forbidden', '4118', 'User not authorized for request.'),
        };
      }
      const query = request.query;
      // Every search names its patient: 4110 "Required search parameter missing from request".
      if (!PATIENT_PARAMETERS.some((name) => query.has(name))) {
        return {
          status: 400,
          body: epicOutcome('error', 'required', '4110', 'Required search parameter missing from request.'),
        };
      }
      // Observation.Search (R4 and DSTU2) needs the patient and a category or code: "Both patient
      // and code or category are required" (open.epic.com, Observation).
      if (
        request.type === 'Observation' &&
        !query.has('_id') &&
        !query.has('category') &&
        !query.has('code')
      ) {
        return {
          status: 400,
          body: epicOutcome('error', 'required', '4110', 'Required search parameter missing from request.'),
        };
      }
      return null;
    },
  };
}

export function startEpicEhr(options: EpicOptions): Promise<SyncEhr> {
  return startSyncEhr({ ...options, vendor: epicRules(options) });
}

// ---------------------------------------------------------------------------------------------
// Oracle Health (Cerner Millennium: fhir.cerner.com, docs.oracle.com millennium-platform-apis)

/**
 * Page sizes, as Oracle documents them per resource and FHIR version (a larger `_count` is lowered,
 * not refused; Oracle's own change log: "Maximum values vary across resources", Health AI suite
 * change log, docs.oracle.com/en/industries/health/health-ai-application-suite/aifcl/change-log.html):
 * - R4 Observation: "The default count is 50 and the maximum supported count is 200"
 *   (docs.oracle.com/en/industries/health/millennium-platform-apis/mfrap/op-observation-get.html);
 * - DSTU2 Observation: "Defaults to 50. Capped at 100." (fhir.cerner.com millennium/dstu2/diagnostic/observation);
 * - DiagnosticReport, R4 and DSTU2: "Defaults to 10 and a maximum of 100 documents can be returned"
 *   (fhir.cerner.com millennium/r4/clinical/diagnostics/diagnostic-report, dstu2/diagnostic/diagnostic-report);
 * - R4 DocumentReference: "Defaults to 10 and maximum 100 documents can be returned"
 *   (fhir.cerner.com millennium/r4/foundation/documents/document-reference);
 * - Patient: "Defaults to 20" (millennium/r4/base/individuals/patient);
 * - DSTU2 MedicationStatement: at most 60 a page, whatever is asked (Cerner's answer on its FHIR
 *   developers' forum, groups.google.com/g/cerner-fhir-developers/c/T_OOUvFCOmE, "PageSize for FHIR
 *   Queries"), defaulting to 50 (millennium/dstu2/medications/medication-statement).
 * Other types document no bound; for them 100 and a default of 50 are an inference, not Oracle's word.
 */
export const ORACLE_PAGE_LIMITS: Record<'R4' | 'DSTU2', Record<string, { default: number; max: number }>> = {
  R4: {
    Observation: { default: 50, max: 200 },
    DiagnosticReport: { default: 10, max: 100 },
    DocumentReference: { default: 10, max: 100 },
    Patient: { default: 20, max: 100 },
  },
  DSTU2: {
    Observation: { default: 50, max: 100 },
    DiagnosticReport: { default: 10, max: 100 },
    MedicationStatement: { default: 50, max: 60 },
    Patient: { default: 20, max: 100 },
  },
};
const ORACLE_OTHER_LIMIT = { default: 50, max: 100 };

export function oraclePageLimit(version: 'R4' | 'DSTU2', type: string): { default: number; max: number } {
  return ORACLE_PAGE_LIMITS[version][type] ?? ORACLE_OTHER_LIMIT;
}

/**
 * R4 Observation pages after the first "may be less than requested" (op-observation-get.html,
 * `_count`: "From the second page onward, the returned item count may be less than requested").
 * How much less is not said; three quarters of the count is this server's choice. A client that
 * takes a short page for the last one stops early here.
 */
const ORACLE_LATER_PAGE_SHARE = 0.75;

export type OracleOptions = VendorEhrOptions & {
  /**
   * Types the site has not licensed, with the status Millennium answers for them: 403 (its
   * insufficient_scope refusal) or 404.
   */
  unlicensed?: Record<string, 403 | 404>;
};

function insufficientScope(): Refusal {
  // Millennium's 403: an OperationOutcome 'forbidden' whose diagnostics repeat the Bearer challenge.
  const challenge = 'Bearer realm="fhir-myrecord.cerner.com", error="insufficient_scope"';
  return {
    status: 403,
    headers: { 'www-authenticate': challenge },
    body: {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'forbidden', diagnostics: challenge, expression: ['http.Authorization'] },
      ],
    },
  };
}

export function oracleRules(options: OracleOptions): VendorRules {
  const granted = grantedTypes(options.grantedScope);
  return {
    maxCount: (type) => oraclePageLimit(options.fhirVersion, type).max,
    ...(options.pageSize === undefined
      ? { defaultCount: (type: string) => oraclePageLimit(options.fhirVersion, type).default }
      : {}),
    pageLength: (type, page, count) =>
      options.fhirVersion === 'R4' && type === 'Observation' && page > 1
        ? Math.floor(count * ORACLE_LATER_PAGE_SHARE)
        : count,
    filterByCategory: true,
    // Binary: "The consumer must populate the Accept header with application/fhir+json or the
    // format returned in the attachment.contentType of the referring resource."
    binaryByAccept: true,
    refuse: (request: VendorRequest): Refusal | null => {
      const unlicensed = options.unlicensed?.[request.type];
      if (unlicensed === 404) {
        return {
          status: 404,
          body: {
            resourceType: 'OperationOutcome',
            issue: [
              {
                severity: 'error',
                code: 'not-found',
                diagnostics: `Resource type ${request.type} is not supported`,
              },
            ],
          },
        };
      }
      if (unlicensed === 403 || !allows(granted, request.type)) return insufficientScope();
      if (request.id !== undefined || request.laterPage) return null;
      // Millennium's searches require the patient (or _id); one without is a 400 ("no supported
      // search parameters provided", fhir.cerner.com millennium/r4 "Client Errors"). R4
      // MedicationRequest names its patient only as `patient`, not `subject`
      // (docs.oracle.com/en/industries/health/millennium-platform-apis/mfrap/op-medicationrequest-get.html).
      const patientNames =
        options.fhirVersion === 'R4' && request.type === 'MedicationRequest'
          ? ['patient', '_id']
          : PATIENT_PARAMETERS;
      if (!patientNames.some((name) => request.query.has(name))) {
        return {
          status: 400,
          body: {
            resourceType: 'OperationOutcome',
            issue: [
              { severity: 'error', code: 'invalid', diagnostics: 'no supported search parameters provided' },
            ],
          },
        };
      }
      // Millennium refuses a parameter it does not support (400) rather than ignoring it, as a
      // lenient server would; these are the ones its patient searches take.
      const known = new Set([
        ...PATIENT_PARAMETERS,
        '_count',
        'category',
        'code',
        'date',
        'status',
        '_revinclude',
      ]);
      const unknown = [...request.query.keys()].find((name) => !known.has(name));
      if (unknown) {
        return {
          status: 400,
          body: {
            resourceType: 'OperationOutcome',
            issue: [
              { severity: 'error', code: 'not-supported', diagnostics: `Unknown parameter: ${unknown}` },
            ],
          },
        };
      }
      return null;
    },
  };
}

export function startOracleEhr(options: OracleOptions): Promise<SyncEhr> {
  // Millennium's CapabilityStatement does not advertise _lastUpdated for the patient searches;
  // the app must not rely on it (and the rule above refuses it).
  return startSyncEhr({ ...options, advertiseLastUpdated: false, vendor: oracleRules(options) });
}
