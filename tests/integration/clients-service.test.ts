import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { call } from '../support/connected-vault.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

/** The App registrations channels and the directory search, through the service on a real vault. */

describe('client registrations through the service (the IPC channels)', () => {
  let service: VaultService;
  let file: string;

  beforeAll(async () => {
    const vaultPath = join(tempDir('phr-vault-clients-svc-'), 'vault.phrvault');
    file = join(dirname(vaultPath), 'smart-clients.json');
    service = new VaultService({ vaultPath, transport: 'host', appVersion: 'test', scrypt: FAST_SCRYPT });
    await call(service, 'vault.create', { passphrase: 'correct horse battery', ownerName: 'Pat' });
  });
  afterAll(() => service.close());

  const mayo = async () =>
    (await call(service, 'institutions.search', { query: 'Mayo Rochester', limit: 5 }))[0]!;

  it('says with each search result whether it has a client id, and a saved one counts at once', async () => {
    expect(await mayo()).toMatchObject({ name: 'Mayo Clinic', vendor: 'epic', hasClientId: false });
    const saved = await call(service, 'clients.save', {
      target: { vendor: 'epic' },
      clientId: ' epic-production-id ',
    });
    expect(saved.vendors.find((v) => v.vendor === 'epic')).toMatchObject({
      clientId: 'epic-production-id',
      auth: 'public',
      from: 'this-computer',
    });
    expect(await mayo()).toMatchObject({ hasClientId: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      vendors: { epic: { clientId: 'epic-production-id', auth: 'public' } },
      endpoints: {},
    });
  });

  it('refuses what is not a client id, a vendor name that is not one, and an http address', async () => {
    const before = readFileSync(file, 'utf8');
    expect(
      await service.dispatch('clients.save', { target: { vendor: 'epic' }, clientId: 'two words' }),
    ).toMatchObject({ ok: false, error: { kind: 'bad-client-id' } });
    expect(
      await service.dispatch('clients.save', { target: { vendor: 'Epic Systems' }, clientId: 'x' }),
    ).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(
      await service.dispatch('clients.save', {
        target: { fhirBase: 'http://fhir.example.org/r4' },
        clientId: 'x',
      }),
    ).toMatchObject({ ok: false, error: { kind: 'insecure-address' } });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('keeps searching past a damaged registrations file, which it leaves as it is and names', async () => {
    writeFileSync(file, '{"vendors": ');
    expect(await mayo()).toMatchObject({ name: 'Mayo Clinic', hasClientId: false });
    const listed = await service.dispatch('clients.list', {});
    expect(listed).toMatchObject({ ok: false, error: { kind: 'clients-file-unreadable' } });
    expect(!listed.ok && listed.error.message).toContain('left it as it is');
    expect(
      await service.dispatch('clients.save', { target: { vendor: 'epic' }, clientId: 'x' }),
    ).toMatchObject({ ok: false, error: { kind: 'clients-file-unreadable' } });
    expect(readFileSync(file, 'utf8')).toBe('{"vendors": ');
  });
});
