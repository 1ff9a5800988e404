import type { SafeStorage } from 'electron';

/**
 * Whether the OS keychain can hold a wrapped copy of the vault's data key (Electron safeStorage:
 * Keychain on macOS, DPAPI on Windows, libsecret or KWallet on Linux). Not wired in yet: the
 * passphrase and the recovery code are the only wraps today. When the keychain wrap arrives, call
 * this after `app.whenReady()` before offering it, store the backend name beside the wrapped key,
 * and refuse to unwrap if the backend later differs (as Signal Desktop does), because a changed
 * backend means the key would be read back through something weaker than it was written with.
 *
 * Only the asynchronous safeStorage API is used: the synchronous one is deprecated in Electron 45
 * and removed in 46.
 */

export type KeychainStatus =
  | { usable: true; backend: string }
  | { usable: false; reason: 'unavailable' | 'weak-backend' | 'not-ready'; backend: string };

type SafeStorageProbe = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'getSelectedStorageBackend'>;

export async function keychainStatus(
  safeStorage: SafeStorageProbe,
  platform: NodeJS.Platform = process.platform,
): Promise<KeychainStatus> {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : platform;
  // Linux with no secret service falls back to `basic_text`: "encrypted" with a key that is the
  // same hard-coded string in every Chromium, which protects nothing. Better no keychain wrap at
  // all than one that looks like protection.
  if (backend === 'basic_text') return { usable: false, reason: 'weak-backend', backend };
  // `unknown` is what Linux reports before the app is ready; the answer would not be final yet.
  if (backend === 'unknown') return { usable: false, reason: 'not-ready', backend };
  let available = false;
  try {
    available = await safeStorage.isAsyncEncryptionAvailable();
  } catch {
    available = false;
  }
  return available ? { usable: true, backend } : { usable: false, reason: 'unavailable', backend };
}
