import { describe, expect, it } from 'vitest';
import { keychainStatus } from '../../electron/shell/keychain.js';

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
