import { describe, expect, it } from 'vitest';
import { keychainStatus, safeStorageKeychain } from '../../electron/shell/keychain.js';

type Backend = ReturnType<Parameters<typeof keychainStatus>[0]['getSelectedStorageBackend']>;

function fakeSafeStorage(backend: Backend, available: boolean | Error) {
  return {
    getSelectedStorageBackend: () => backend,
    isAsyncEncryptionAvailable: () =>
      available instanceof Error ? Promise.reject(available) : Promise.resolve(available),
  };
}

describe('keychainStatus', () => {
  it('refuses Linux basic_text even when safeStorage says encryption works', async () => {
    expect(await keychainStatus(fakeSafeStorage('basic_text', true), 'linux')).toEqual({
      usable: false,
      reason: 'weak-backend',
      backend: 'basic_text',
    });
  });

  it('accepts a real Linux secret store', async () => {
    expect(await keychainStatus(fakeSafeStorage('gnome_libsecret', true), 'linux')).toEqual({
      usable: true,
      backend: 'gnome_libsecret',
    });
  });

  it('says "not ready" before the app is ready on Linux', async () => {
    expect(await keychainStatus(fakeSafeStorage('unknown', true), 'linux')).toMatchObject({
      reason: 'not-ready',
    });
  });

  it('uses the OS keychain on macOS and Windows when available', async () => {
    expect(await keychainStatus(fakeSafeStorage('unknown', true), 'darwin')).toEqual({
      usable: true,
      backend: 'darwin',
    });
    expect(await keychainStatus(fakeSafeStorage('unknown', false), 'win32')).toMatchObject({
      usable: false,
      reason: 'unavailable',
    });
  });

  it('treats a failing probe as unavailable', async () => {
    expect(await keychainStatus(fakeSafeStorage('kwallet6', new Error('dbus')), 'linux')).toMatchObject({
      usable: false,
      reason: 'unavailable',
    });
  });
});

describe('safeStorageKeychain', () => {
  it('answers the core’s keychain port with safeStorage’s asynchronous calls', async () => {
    const calls: string[] = [];
    const port = safeStorageKeychain(
      {
        getSelectedStorageBackend: () => 'kwallet6',
        isAsyncEncryptionAvailable: () => Promise.resolve(true),
        encryptStringAsync: (text) => {
          calls.push(`encrypt ${text}`);
          return Promise.resolve(Buffer.from(text).reverse());
        },
        decryptStringAsync: (blob) => {
          calls.push('decrypt');
          return Promise.resolve({ result: Buffer.from(blob).reverse().toString(), shouldReEncrypt: false });
        },
      },
      'linux',
    );
    expect(await port.getSelectedStorageBackend()).toBe('kwallet6');
    expect(await port.isEncryptionAvailable()).toBe(true);
    expect(await port.decryptString(await port.encryptString('secret'))).toBe('secret');
    expect(calls).toEqual(['encrypt secret', 'decrypt']);
  });

  it('names the store after the platform on macOS and Windows', async () => {
    const safeStorage = {
      getSelectedStorageBackend: () => 'unknown' as const,
      isAsyncEncryptionAvailable: () => Promise.resolve(true),
      encryptStringAsync: () => Promise.reject(new Error('unused')),
      decryptStringAsync: () => Promise.reject(new Error('unused')),
    };
    expect(await safeStorageKeychain(safeStorage, 'darwin').getSelectedStorageBackend()).toBe('darwin');
    expect(await safeStorageKeychain(safeStorage, 'win32').getSelectedStorageBackend()).toBe('win32');
  });
});
