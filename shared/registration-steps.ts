/**
 * How to register PHR Vault with an EHR vendor, in plain words: the same steps in the window's
 * App registrations and in `phr-vault clients steps`. Plain data, no zod, for the renderer too.
 */
export const REDIRECT_URI = 'http://127.0.0.1/callback';

export type RegistrationSteps = { site: string | null; steps: string[] };

const common = [
  `Give the redirect URI ${REDIRECT_URI}, and ask that any port be accepted on it (the port is chosen each time you sign in).`,
  'Choose “public” (PKCE, no secret) unless the vendor gives refresh tokens only to confidential clients; then choose “private key JWT” and register this vault’s public key set, below.',
];

const byVendor: Record<string, RegistrationSteps> = {
  epic: {
    site: 'https://fhir.epic.com (Build Apps)',
    steps: [
      'Sign in at fhir.epic.com and choose Build Apps, then Create.',
      'Audience: Patients. Select the R4 read APIs you need (Patient, Observation, Condition, MedicationRequest, AllergyIntolerance, Immunization, Procedure, DiagnosticReport, DocumentReference, Encounter).',
      ...common,
      'Epic gives a non-production and a production client id. Enter the production one here; it reaches each Epic organisation once they approve the app.',
    ],
  },
  'oracle-health': {
    site: 'https://code.cerner.com (My Applications)',
    steps: [
      'Sign in at code.cerner.com, open My Applications and register a new app of type Patient.',
      'Choose SMART v1 or v2 scopes and the FHIR R4 read scopes for the patient’s records.',
      ...common,
      'Enter the client id Oracle Health shows for the app here.',
    ],
  },
  'smart-sandbox': {
    site: 'https://launch.smarthealthit.org',
    steps: ['No registration is needed: any client id works here. PHR Vault ships with “phr-vault”.'],
  },
};

export function registrationSteps(vendor: string): RegistrationSteps {
  return (
    byVendor[vendor] ?? {
      site: null,
      steps: [
        'Find the vendor’s developer or app-registration site (the health system’s patient portal help pages usually name it) and register a patient-facing SMART on FHIR app.',
        ...common,
        'Enter the client id the site gives you here.',
      ],
    }
  );
}
