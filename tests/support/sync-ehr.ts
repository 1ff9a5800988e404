import {
  startRecordsServer,
  type RecordsServer,
  type RecordsServerOptions,
} from '../../testkit/fhir-records-server.js';
import { startSmartServer, type SmartServer, type SmartServerOptions } from './smart-server.js';

export { documentWithAttachment, resourcesFromBundle } from '../../testkit/fhir-records-server.js';

/**
 * An EHR for sync tests, as a patient app sees it: the records server (R4, STU3 or DSTU2, with
 * fault injection) and a real authorization server (oidc-provider), both on 127.0.0.1. The same
 * pattern as startEhr: the authorization server's patient is the records server's Patient, and the
 * records server accepts exactly the access tokens the authorization server issued and still holds.
 */
export type SyncEhr = { fhir: RecordsServer; auth: SmartServer; close(): Promise<void> };

export async function startSyncEhr(
  options: Omit<RecordsServerOptions, 'issuer' | 'isValidToken'> &
    Omit<SmartServerOptions, 'patientId' | 'audience'>,
): Promise<SyncEhr> {
  // The records server needs the issuer and the token check, which exist only once the
  // authorization server is up, and that needs the records server's patient id: late binding.
  const late: { auth?: SmartServer } = {};
  const fhir = await startRecordsServer({
    ...options,
    issuer: () => late.auth!.issuer,
    isValidToken: (token) => late.auth!.isValidToken(token),
  });
  const auth = await startSmartServer({ ...options, patientId: fhir.patientId, audience: fhir.base });
  late.auth = auth;
  return {
    fhir,
    auth,
    close: async () => {
      await Promise.all([fhir.close(), auth.close()]);
    },
  };
}
