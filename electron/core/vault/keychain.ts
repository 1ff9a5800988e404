/**
 * The OS keychain as the core sees it: the shape of Electron's safeStorage (macOS Keychain,
 * Windows DPAPI, libsecret or KWallet on Linux), every call asynchronous because the core runs in a
 * worker and the keychain lives in the shell's main process. The shell answers it with safeStorage
 * (electron/shell/keychain.ts); the test host and the tests with a double that really encrypts.
 */
export interface KeychainPort {
  /**
   * The store that would hold the key: `darwin` or `win32`, or on Linux safeStorage's backend name
   * (`gnome_libsecret`, `kwallet6`, …, `basic_text`, `unknown`).
   */
  getSelectedStorageBackend(): Promise<string>;
  isEncryptionAvailable(): Promise<boolean>;
  encryptString(plainText: string): Promise<Buffer>;
  decryptString(encrypted: Buffer): Promise<string>;
}

export type KeychainAvailability =
  | { usable: true; backend: string }
  | { usable: false; reason: 'unavailable' | 'weak-backend' | 'not-ready'; backend: string };

/**
 * Whether the keychain can hold a wrap of the data key now. Linux without a secret service falls
 * back to `basic_text`: "encrypted" with a key that is the same hard-coded string in every
 * Chromium, which protects nothing, so it is refused rather than offered as protection. `unknown`
 * is what Linux says before the app is ready: not an answer yet, refused too.
 */
export async function keychainAvailability(port: KeychainPort | undefined): Promise<KeychainAvailability> {
  if (!port) return { usable: false, reason: 'unavailable', backend: 'none' };
  let backend = 'unknown';
  try {
    backend = await port.getSelectedStorageBackend();
  } catch {
    return { usable: false, reason: 'unavailable', backend };
  }
  if (backend === 'basic_text') return { usable: false, reason: 'weak-backend', backend };
  if (backend === 'unknown' || backend === '') return { usable: false, reason: 'not-ready', backend };
  let available = false;
  try {
    available = await port.isEncryptionAvailable();
  } catch {
    available = false;
  }
  return available ? { usable: true, backend } : { usable: false, reason: 'unavailable', backend };
}

/**
 * What the keychain is given to keep: the data key with the vault it belongs to, so a keychain
 * blob copied from another vault's key file is told apart and refused.
 */
export function keychainSecret(vaultId: string, dataKey: Buffer): string {
  return `phr-vault:${vaultId}:keychain:${dataKey.toString('hex')}`;
}

/** The data key in what the keychain gave back, or null when it is not this vault's. */
export function dataKeyFromKeychain(vaultId: string, secret: string): Buffer | null {
  const prefix = `phr-vault:${vaultId}:keychain:`;
  if (!secret.startsWith(prefix)) return null;
  const hex = secret.slice(prefix.length);
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, 'hex') : null;
}
