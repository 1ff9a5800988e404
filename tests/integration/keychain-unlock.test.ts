import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { envelopePath, readEnvelope } from '../../electron/core/vault/key-envelope.js';
import { KeychainDouble } from '../../electron/host/keychain-double.js';
import { call, PASSPHRASE } from '../support/connected-vault.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

/**
 * "Unlock with this computer's keychain": a third wrap of the data key, by the keychain the shell
 * offers (here a double that really encrypts), opt-in, pinned to the store that made it.
 */

const services: VaultService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.close();
});

async function vaultWith(keychain: KeychainDouble | undefined, vaultPath?: string) {
  const path = vaultPath ?? join(tempDir('phr-vault-keychain-'), 'vault.phrvault');
  const service = new VaultService({
    vaultPath: path,
    transport: 'host',
    appVersion: 'test',
    scrypt: FAST_SCRYPT,
    sync: { automatic: false },
    ...(keychain ? { keychain } : {}),
  });
  services.push(service);
  if (!vaultPath) await call(service, 'vault.create', { passphrase: PASSPHRASE, ownerName: 'Sam Lee' });
  return { service, path };
}

const failureOf = async (service: VaultService, channel: string, request: unknown = {}) => {
  const result = await service.dispatch(channel, request);
  if (result.ok) throw new Error(`${channel} was not refused`);
  return result.error;
};

describe('unlocking with this computer’s keychain', () => {
  it('is off until turned on with the passphrase, then unlocks alone; turning it off removes the wrap', async () => {
    const keychain = new KeychainDouble('gnome_libsecret');
    const { service, path } = await vaultWith(keychain);
    expect(await call(service, 'vault.keychain')).toMatchObject({
      usable: true,
      backend: 'gnome_libsecret',
      enabled: false,
    });
    expect(readEnvelope(path).wraps.keychain).toBeNull();
    expect(await failureOf(service, 'vault.useKeychain', { passphrase: 'not the passphrase' })).toMatchObject(
      {
        kind: 'wrong-passphrase',
      },
    );
    expect(readEnvelope(path).wraps.keychain).toBeNull();

    const on = await call(service, 'vault.useKeychain', { passphrase: PASSPHRASE });
    expect(on).toMatchObject({ enabled: true, enabledBackend: 'gnome_libsecret' });
    const wrap = readEnvelope(path).wraps.keychain!;
    expect(wrap.backend).toBe('gnome_libsecret');
    // What the key file holds is the keychain's ciphertext, not the key or anything readable.
    expect(Buffer.from(wrap.blob, 'base64').toString('latin1')).not.toMatch(/phr-vault|keychain/);

    await call(service, 'persons.add', { name: 'Ada', relationship: 'child' });
    await call(service, 'vault.lock');
    expect((await call(service, 'vault.unlockWithKeychain')).state).toBe('unlocked');
    expect((await call(service, 'persons.list')).map((p) => p.name)).toEqual(['Sam Lee', 'Ada']);

    // Changing the passphrase leaves the keychain's wrap as it was: the data key did not change.
    await call(service, 'vault.changePassphrase', { current: PASSPHRASE, next: 'copper meadow seven' });
    await call(service, 'vault.lock');
    expect((await call(service, 'vault.unlockWithKeychain')).state).toBe('unlocked');

    expect(await call(service, 'vault.stopUsingKeychain')).toMatchObject({ enabled: false, usable: true });
    expect(readEnvelope(path).wraps.keychain).toBeNull();
    expect(readFileSync(envelopePath(path), 'utf8')).not.toContain(wrap.blob);
    await call(service, 'vault.lock');
    expect(await failureOf(service, 'vault.unlockWithKeychain')).toMatchObject({
      kind: 'keychain-unavailable',
      message: expect.stringMatching(/not turned on/),
    });
    expect((await call(service, 'vault.unlock', { passphrase: 'copper meadow seven' })).state).toBe(
      'unlocked',
    );
  });

  it('refuses a store other than the one that made the wrap, and never uses Linux’s basic_text', async () => {
    const key = Buffer.alloc(32, 9);
    const keychain = new KeychainDouble('kwallet6', key);
    const { service, path } = await vaultWith(keychain);
    await call(service, 'vault.useKeychain', { passphrase: PASSPHRASE });
    await call(service, 'vault.lock');
    service.close();

    // The same key under another store's name: it would decrypt, and is refused all the same.
    const moved = await vaultWith(new KeychainDouble('gnome_libsecret', key), path);
    expect(await failureOf(moved.service, 'vault.unlockWithKeychain')).toMatchObject({
      kind: 'keychain-changed',
      message: expect.stringMatching(/Unlock with your passphrase/),
    });
    expect((await call(moved.service, 'vault.status')).state).toBe('locked');
    moved.service.close();

    const plain = await vaultWith(new KeychainDouble('basic_text', key), path);
    expect(await call(plain.service, 'vault.keychain')).toMatchObject({
      usable: false,
      reason: 'weak-backend',
      enabled: true,
      enabledBackend: 'kwallet6',
    });
    expect(await failureOf(plain.service, 'vault.unlockWithKeychain')).toMatchObject({
      kind: 'keychain-unavailable',
      message: expect.stringMatching(/no secure password store/),
    });
    await call(plain.service, 'vault.unlock', { passphrase: PASSPHRASE });
    expect(await failureOf(plain.service, 'vault.useKeychain', { passphrase: PASSPHRASE })).toMatchObject({
      kind: 'keychain-unavailable',
    });
    plain.service.close();

    const early = await vaultWith(new KeychainDouble('unknown', key), path);
    expect(await call(early.service, 'vault.keychain')).toMatchObject({ usable: false, reason: 'not-ready' });
    expect(await failureOf(early.service, 'vault.unlockWithKeychain')).toMatchObject({
      kind: 'keychain-unavailable',
    });
  });

  it('is not offered without a keychain, and a keychain that lost its key or another vault’s wrap does not open it', async () => {
    const { service, path } = await vaultWith(undefined);
    expect(await call(service, 'vault.keychain')).toMatchObject({ usable: false, reason: 'unavailable' });
    expect(await failureOf(service, 'vault.useKeychain', { passphrase: PASSPHRASE })).toMatchObject({
      kind: 'keychain-unavailable',
    });
    service.close();

    const first = await vaultWith(new KeychainDouble('darwin', Buffer.alloc(32, 1)), path);
    await call(first.service, 'vault.unlock', { passphrase: PASSPHRASE });
    await call(first.service, 'vault.useKeychain', { passphrase: PASSPHRASE });
    await call(first.service, 'vault.lock');
    first.service.close();

    // The keychain's own key changed (a new login keychain): it cannot give the vault's key back.
    const lost = await vaultWith(new KeychainDouble('darwin', Buffer.alloc(32, 2)), path);
    expect(await failureOf(lost.service, 'vault.unlockWithKeychain')).toMatchObject({
      kind: 'keychain-unavailable',
      message: expect.stringMatching(/did not give the vault’s key back/),
    });
    lost.service.close();

    // Another vault's keychain wrap pasted into this key file: the keychain opens it, the vault refuses it.
    const shared = new KeychainDouble('darwin', Buffer.alloc(32, 1));
    const other = await vaultWith(shared);
    await call(other.service, 'vault.useKeychain', { passphrase: PASSPHRASE });
    const foreign = readEnvelope(other.path).wraps.keychain;
    const raw = JSON.parse(readFileSync(envelopePath(path), 'utf8')) as { wraps: { keychain: unknown } };
    raw.wraps.keychain = foreign;
    writeFileSync(envelopePath(path), JSON.stringify(raw));
    const swapped = await vaultWith(shared, path);
    expect(await failureOf(swapped.service, 'vault.unlockWithKeychain')).toMatchObject({
      kind: 'key-file-damaged',
    });
    expect((await call(swapped.service, 'vault.status')).state).toBe('locked');
  });
});
