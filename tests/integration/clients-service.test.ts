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

describe('the registrations file the environment names', () => {
  it('is handed to the service when it is made, and the process environment is not read by it', async () => {
    const dir = tempDir('phr-vault-clients-env-');
    const given = join(dir, 'given-clients.json');
    writeFileSync(given, JSON.stringify({ vendors: { epic: { clientId: 'from-the-entry-point' } } }));
    const stray = join(dir, 'stray-clients.json');
    writeFileSync(stray, JSON.stringify({ vendors: { epic: { clientId: 'from-the-process' } } }));
    const before = process.env.PHR_VAULT_SMART_CLIENTS;
    // A second service in the same process, told nothing, must not pick up what another was given
    // nor what the process environment happens to say.
    process.env.PHR_VAULT_SMART_CLIENTS = stray;
    const withFile = new VaultService({
      vaultPath: join(dir, 'a.phrvault'),
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
      smartClientsFile: given,
    });
    const without = new VaultService({
      vaultPath: join(dir, 'b.phrvault'),
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
    });
    try {
      for (const service of [withFile, without]) {
        await call(service, 'vault.create', { passphrase: 'correct horse battery', ownerName: 'Pat' });
      }
      const listed = await call(withFile, 'clients.list', {});
      expect(listed.environmentFile).toBe(given);
      expect(listed.vendors.find((v) => v.vendor === 'epic')).toMatchObject({
        clientId: 'from-the-entry-point',
        from: 'environment',
      });
      const plain = await call(without, 'clients.list', {});
      expect(plain.environmentFile).toBeNull();
      expect(plain.vendors.find((v) => v.vendor === 'epic')?.clientId).not.toBe('from-the-process');
    } finally {
      if (before === undefined) delete process.env.PHR_VAULT_SMART_CLIENTS;
      else process.env.PHR_VAULT_SMART_CLIENTS = before;
      withFile.close();
      without.close();
    }
  });
});
