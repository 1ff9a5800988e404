import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isVaultError } from '../../electron/core/errors.js';
import { ConnectionAccess } from '../../electron/core/smart/connection-access.js';
import { linkSignedIn, signInToInstitution } from '../../electron/core/smart/institution-sign-in.js';
import { listConnectionDetails, readSmartAuth } from '../../electron/core/vault/connections.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { approveInBrowser } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

describe('connecting to an EHR with SMART on FHIR', () => {
  let ehr: Ehr;
  let vault: VaultFile;

  beforeAll(async () => {
    ehr = await startEhr();
    vault = new VaultFile(join(tempDir('phr-vault-smart-'), 'v.phrvault'), { scrypt: FAST_SCRYPT });
    await vault.create(PASS);
  });
  afterAll(async () => {
    vault.lock();
    await ehr.close();
  });

  it('signs in through the browser, stores the tokens only in the vault and reads the patient', async () => {
    const geoffrey = addPerson(vault.db, {
      name: 'Geoffrey Abbott',
      birthDate: '1992-07-03',
      relationship: 'self',
    });
    let browser: Promise<number> | undefined;
    const signedIn = await signInToInstitution(
      vault.db,
      { fhirBase: ehr.fhir.base, clientId: 'phr-vault-test' },
      { openBrowser: (url) => void (browser = approveInBrowser(url)) },
    );
    expect(await browser).toBe(200);
    expect(signedIn.identity).toEqual({ name: 'Geoffrey Abbott', birthDate: '1992-07-03' });
    const asked = ehr.auth.lastAuthorize!;
    expect(asked.aud).toBe(ehr.fhir.base);
    expect(asked.code_challenge_method).toBe('S256');
    expect(asked.scope).toBe('launch/patient openid fhirUser offline_access patient/*.rs');
    expect(Buffer.from(asked.state!, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(asked.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const linked = linkSignedIn(vault.db, signedIn, { personId: geoffrey.id, label: 'Test Hospital' });
    expect(linked.outcome).toBe('connected');
    if (linked.outcome !== 'connected') return;
    const [detail] = listConnectionDetails(vault.db, geoffrey.id);
    expect(detail).toMatchObject({
      label: 'Test Hospital',
      state: 'connected',
      signedInAs: 'Geoffrey Abbott',
      patientId: ehr.fhir.patientId,
    });
    expect(JSON.stringify(detail)).not.toMatch(/access_token|refresh_token/);
    const auth = readSmartAuth(vault.db, linked.connectionId)!;
    expect((auth.authState!.tokenResponse as { refresh_token?: string }).refresh_token).toBeTruthy();

    const access = new ConnectionAccess(() => vault.db);
    const patient = (await access.fetchFhir(linked.connectionId, `Patient/${ehr.fhir.patientId}`)) as {
      id: string;
    };
    expect(patient.id).toBe(ehr.fhir.patientId);
  });

  it('returns the comparison instead of linking when the portal signed in someone else', async () => {
    const sam = addPerson(vault.db, { name: 'Sam Abbott', birthDate: '2015-01-01', relationship: 'child' });
    const signedIn = await signInToInstitution(
      vault.db,
      { fhirBase: ehr.fhir.base, clientId: 'phr-vault-test' },
      { openBrowser: (url) => void approveInBrowser(url) },
    );
    const before = listConnectionDetails(vault.db).length;
    const asked = linkSignedIn(vault.db, signedIn, { personId: sam.id });
    expect(asked).toMatchObject({
      outcome: 'confirm',
      comparison: { name: 'different', birthDate: 'different', matches: false },
    });
    expect(listConnectionDetails(vault.db).length).toBe(before);
    const accepted = linkSignedIn(vault.db, signedIn, { personId: sam.id, acceptMismatch: true });
    expect(accepted.outcome).toBe('connected');
  });

  it('refuses to send the token to a next link on another origin', async () => {
    const access = new ConnectionAccess(() => vault.db);
    const id = listConnectionDetails(vault.db)[0]!.id;
    await expect(access.fetchFhir(id, 'http://127.0.0.2:9/fhir/Observation?page=2')).rejects.toSatisfy((e) =>
      isVaultError(e, 'foreign-origin'),
    );
  });
});
