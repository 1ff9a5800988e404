import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { ConnectionAccess } from '../../electron/core/smart/connection-access.js';
import { call } from '../support/connected-vault.js';
import { approveInBrowser } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

describe('connections through the service (the IPC channels)', () => {
  let service: VaultService;
  const events: { event: string; payload: unknown }[] = [];
  const ehrs: Ehr[] = [];

  beforeAll(async () => {
    service = new VaultService({
      vaultPath: join(tempDir('phr-vault-smart-svc-'), 'vault.phrvault'),
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
      openBrowser: (url) => void approveInBrowser(url),
    });
    service.on((event, payload) => events.push({ event, payload }));
    await call(service, 'vault.create', {
      passphrase: PASS,
      ownerName: 'Geoffrey Abbott',
      ownerBirthDate: '1992-07-03',
    });
  });
  afterAll(async () => {
    service.close();
    for (const ehr of ehrs) await ehr.close();
  });

  const clientsFile = (entries: Record<string, { clientId: string; auth?: string }>) =>
    writeFileSync(
      join(dirname(service.options.vaultPath), 'smart-clients.json'),
      JSON.stringify({ endpoints: entries }),
    );

  it('discovers, connects with the client id from the user’s file, lists, and reports progress', async () => {
    const ehr = await startEhr();
    ehrs.push(ehr);
    const before = await call(service, 'connections.discover', {
      fhirBase: ehr.fhir.base,
    });
    expect(before).toMatchObject({
      fhirVersion: '4.0.1',
      hasClientId: false,
      discoveredFrom: 'smart-configuration',
    });
    const refused = await service.dispatch('connections.connect', { fhirBase: ehr.fhir.base, personId: 1 });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'no-client-id' } });

    clientsFile({ [ehr.fhir.base]: { clientId: 'phr-vault-test' } });
    const result = await call(service, 'connections.connect', {
      fhirBase: ehr.fhir.base,
      personId: 1,
      label: 'Test Hospital',
    });
    expect(result).toMatchObject({
      outcome: 'connected',
      connection: { state: 'connected', signedInAs: 'Geoffrey Abbott' },
    });
    const steps = events
      .filter((e) => e.event === 'connections.progress')
      .map((e) => (e.payload as { step: string }).step);
    expect(steps).toEqual(
      expect.arrayContaining([
        'discovering',
        'waiting-for-browser',
        'exchanging-code',
        'reading-patient',
        'connected',
      ]),
    );
    const list = await call(service, 'connections.list', {});
    expect(list.find((c) => c.label === 'Test Hospital')).toMatchObject({
      kind: 'smart',
      state: 'connected',
    });
    // Nothing that crossed the contract carried a token.
    expect(JSON.stringify({ events, list, result })).not.toMatch(/access_token|refresh_token|codeVerifier/);
  });

  it('asks before linking someone else’s records, and links or discards as the user says', async () => {
    const ehr = ehrs[0]!;
    const person = await call(service, 'persons.add', {
      name: 'Sam',
      birthDate: '2015-02-01',
      relationship: 'child',
    });
    const asked = await call(service, 'connections.connect', {
      fhirBase: ehr.fhir.base,
      personId: person.id,
    });
    expect(asked).toMatchObject({
      outcome: 'confirm',
      comparison: { name: 'different', birthDate: 'different' },
    });
    if (asked.outcome !== 'confirm') return;
    expect(await call(service, 'connections.confirm', { pendingId: asked.pendingId, link: false })).toEqual({
      outcome: 'discarded',
    });
    expect((await call(service, 'connections.list', { personId: person.id })).length).toBe(0);
  });

  it('forgets a sign-in waiting for an answer when the vault locks', async () => {
    const ehr = ehrs[0]!;
    const person = await call(service, 'persons.add', {
      name: 'Robin',
      relationship: 'parent',
    });
    const asked = await call(service, 'connections.connect', {
      fhirBase: ehr.fhir.base,
      personId: person.id,
    });
    expect(asked.outcome).toBe('confirm');
    if (asked.outcome !== 'confirm') return;
    await call(service, 'vault.lock', {});
    await call(service, 'vault.unlock', { passphrase: PASS });
    const late = await service.dispatch('connections.confirm', { pendingId: asked.pendingId, link: true });
    expect(late).toMatchObject({ ok: false });
    expect((await call(service, 'connections.list', { personId: person.id })).length).toBe(0);
  });

  it('disconnects, revoking, keeping or deleting the records as asked', async () => {
    // Connecting started the first sync (from the medplum server): let it finish first.
    for (let i = 0; i < 300 && service.sync.status().some((s) => s.running); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const [connection] = await call(service, 'connections.list', { personId: 1 });
    expect(connection!.recordCount).toBeGreaterThan(0);
    const kept = await call(service, 'connections.disconnect', {
      connectionId: connection!.id,
      keepRecords: true,
    });
    expect(kept).toEqual({ revoked: true, recordsDeleted: 0 });
    const after = (await call(service, 'connections.list', { personId: 1 }))[0]!;
    expect(after.state).toBe('disconnected');
    const gone = await call(service, 'connections.disconnect', {
      connectionId: connection!.id,
      keepRecords: false,
    });
    expect(gone.recordsDeleted).toBe(connection!.recordCount);
    expect((await call(service, 'connections.list', { personId: 1 })).length).toBe(0);
  });

  it('connects as a confidential asymmetric client with this vault’s own key pair, and refreshes with it', async () => {
    const jwks = await call(service, 'connections.publicKeys');
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const ehr = await startEhr({ clientId: 'phr-vault-jwt', jwks });
    ehrs.push(ehr);
    clientsFile({ [ehr.fhir.base]: { clientId: 'phr-vault-jwt', auth: 'private_key_jwt' } });
    const result = await call(service, 'connections.connect', {
      fhirBase: ehr.fhir.base,
      personId: 1,
    });
    expect(result.outcome).toBe('connected');
    if (result.outcome !== 'connected') return;
    const later = new ConnectionAccess(
      () => service.vault.db,
      () => Date.now() / 1000 + 7200,
    );
    const patient = (await later.fetchFhir(result.connection.id, `Patient/${ehr.fhir.patientId}`)) as {
      id: string;
    };
    expect(patient.id).toBe(ehr.fhir.patientId);
    expect(ehr.auth.tokenRequests.map((t) => t.grantType)).toEqual(['authorization_code', 'refresh_token']);
    const stored = service.vault.db
      .prepare(`SELECT auth_state FROM connections WHERE id = ?`)
      .pluck()
      .get(result.connection.id) as string;
    expect(stored).not.toContain('"d"');
  });

  it('revokes a confidential client’s grant by proving itself with its key', async () => {
    const ehr = ehrs.at(-1)!;
    const [connection] = (await call(service, 'connections.list', { personId: 1 })).filter(
      (c) => c.fhirBase === ehr.fhir.base && c.state === 'connected',
    );
    const ended = await call(service, 'connections.disconnect', {
      connectionId: connection!.id,
      keepRecords: true,
    });
    expect(ended.revoked).toBe(true);
  });

  it('signs in again after the server ended the grant', async () => {
    const ehr = ehrs[1]!;
    const [connection] = (await call(service, 'connections.list', { personId: 1 })).filter(
      (c) => c.fhirBase === ehr.fhir.base,
    );
    service.vault.db
      .prepare(`UPDATE connections SET state = 'needs-sign-in', auth_state = NULL WHERE id = ?`)
      .run(connection!.id);
    const again = await call(service, 'connections.signInAgain', {
      connectionId: connection!.id,
    });
    expect(again.state).toBe('connected');
  });
});
