import type { SafeStorage } from 'electron';
import {
  keychainAvailability,
  type KeychainAvailability,
  type KeychainPort,
} from '../core/vault/keychain.js';

/**
 * Electron's safeStorage answering the core's keychain port (core/vault/keychain.ts): Keychain on
 * macOS, DPAPI on Windows, libsecret or KWallet on Linux. The core decides what to trust (it
 * refuses Linux's `basic_text`, and a store other than the one that made the wrap, as Signal
 * Desktop does); this only adapts. On macOS and Windows the store is the platform itself, so its
 * name is the platform's.
 *
 * Only the asynchronous safeStorage API is used: the synchronous one is deprecated in Electron 45
 * and removed in 46.
 */

type SafeStorageKeychain = Pick<
  SafeStorage,
  'isAsyncEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptStringAsync' | 'decryptStringAsync'
>;

export function safeStorageKeychain(
  safeStorage: SafeStorageKeychain,
  platform: NodeJS.Platform = process.platform,
): KeychainPort {
  return {
    getSelectedStorageBackend: async () => {
      if (platform !== 'linux') return platform;
      // The asynchronous encryptor picks its store lazily: asked first, the name is its final one.
      await safeStorage.isAsyncEncryptionAvailable().catch(() => false);
      return safeStorage.getSelectedStorageBackend();
    },
    isEncryptionAvailable: () => safeStorage.isAsyncEncryptionAvailable(),
    encryptString: (plainText) => safeStorage.encryptStringAsync(plainText),
    // `shouldReEncrypt` (a rotated OS key) is not acted on: the wrap still opens, and turning
    // keychain unlock off and on again writes a fresh one.
    decryptString: async (encrypted) => (await safeStorage.decryptStringAsync(encrypted)).result,
  };
}

export type KeychainStatus = KeychainAvailability;

/** Whether safeStorage could hold the vault's key here, by the core's rule. */
export function keychainStatus(
  safeStorage: Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'getSelectedStorageBackend'>,
  platform: NodeJS.Platform = process.platform,
): Promise<KeychainStatus> {
  const refuse = () => Promise.reject(new Error('only probed'));
  return keychainAvailability(
    safeStorageKeychain({ ...safeStorage, encryptStringAsync: refuse, decryptStringAsync: refuse }, platform),
  );
}
