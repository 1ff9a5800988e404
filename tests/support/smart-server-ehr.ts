import { startFhirServer, type FhirServer, type FhirServerOptions } from '../../testkit/fhir-server.js';
import { startSmartServer, type SmartServer, type SmartServerOptions } from './smart-server.js';

/** An EHR as a patient app sees it: a FHIR server and its authorization server, both on 127.0.0.1. */
export type Ehr = { fhir: FhirServer; auth: SmartServer; close(): Promise<void> };

export async function startEhr(
  options: Omit<FhirServerOptions, 'issuer' | 'isValidToken'> &
    Omit<SmartServerOptions, 'patientId' | 'audience'> = {},
): Promise<Ehr> {
  const late: { auth?: SmartServer } = {};
  const fhir = await startFhirServer({
    ...options,
    issuer: () => late.auth!.issuer,
    isValidToken: (token) => late.auth!.isValidToken(token),
  });
  const started = await startSmartServer({ ...options, patientId: fhir.patientId, audience: fhir.base });
  late.auth = started;
  return {
    fhir,
    auth: started,
    close: async () => {
      await Promise.all([fhir.close(), started.close()]);
    },
  };
}
