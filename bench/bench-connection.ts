import { addSmartConnection } from '../electron/core/vault/connections.js';
import type { VaultDatabase } from '../electron/core/vault/database.js';

/**
 * A SMART connection to a records server on loopback whose access token the server accepts, so a
 * benchmark syncs without signing in. The token endpoint is never asked (the token outlives the run).
 */
export function benchConnection(
  db: VaultDatabase,
  personId: number,
  server: { base: string; patientId: string },
  token: string,
): number {
  const tokenUri = 'http://127.0.0.1:1/token';
  return addSmartConnection(db, {
    personId,
    label: 'Bench EHR',
    fhirBase: server.base,
    fhirVersion: '4.0.1',
    patientId: server.patientId,
    clientId: 'bench',
    endpoints: { tokenUri },
    signedInAs: 'Bench Patient',
    authState: {
      serverUrl: server.base,
      clientId: 'bench',
      tokenUri,
      tokenResponse: { access_token: token, token_type: 'bearer', patient: server.patientId },
    },
    tokenExpiresAt: Math.floor(Date.now() / 1000) + 86_400,
  });
}
