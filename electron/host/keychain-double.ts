import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeychainPort } from '../core/vault/keychain.js';

/**
 * A keychain for the test host and the tests, where no OS keychain can be reached: it really
 * encrypts (AES-256-GCM under a key of its own, kept in memory for the life of the process, as
 * an OS keychain keeps its key outside the vault), under the store name it is given. Never part of
 * the app: the shell answers the port with Electron's safeStorage.
 */
export class KeychainDouble implements KeychainPort {
  readonly #key: Buffer;

  constructor(
    public backend: string,
    key: Buffer = randomBytes(32),
    public available = true,
  ) {
    this.#key = Buffer.from(key);
  }

  getSelectedStorageBackend(): Promise<string> {
    return Promise.resolve(this.backend);
  }

  isEncryptionAvailable(): Promise<boolean> {
    return Promise.resolve(this.available);
  }

  encryptString(plainText: string): Promise<Buffer> {
    if (!this.available) return Promise.reject(new Error('keychain unavailable'));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Promise.resolve(Buffer.concat([iv, cipher.getAuthTag(), body]));
  }

  decryptString(encrypted: Buffer): Promise<string> {
    try {
      if (!this.available) throw new Error('keychain unavailable');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Promise.resolve(
        Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8'),
      );
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error('keychain'));
    }
  }
}
