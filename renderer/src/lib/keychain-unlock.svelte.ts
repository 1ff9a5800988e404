import type { KeychainState } from '../../../shared/ipc/areas/vault.js';
import { api, messageOf } from './api.js';

/** Settings' "Unlock with this computer's keychain": what the core says, and turning it on or off. */
export class KeychainUnlock {
  #state = $state.raw<KeychainState | null>(null);
  #busy = $state(false);
  #problem = $state('');
  #done = $state('');

  get state(): KeychainState | null {
    return this.#state;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get problem(): string {
    return this.#problem;
  }
  get done(): string {
    return this.#done;
  }

  async load(): Promise<void> {
    this.#problem = this.#done = '';
    await this.#ask(async () => (this.#state = await api.call('vault.keychain', {})));
  }

  /** True when it was turned on; otherwise `problem` says why. */
  async turnOn(passphrase: string): Promise<boolean> {
    return this.#ask(async () => {
      this.#state = await api.call('vault.useKeychain', { passphrase });
      this.#done = 'Turned on. After a lock, this computer’s keychain can unlock the vault.';
    });
  }

  async turnOff(): Promise<boolean> {
    return this.#ask(async () => {
      this.#state = await api.call('vault.stopUsingKeychain', {});
      this.#done = 'Turned off. Only your passphrase or recovery code unlock the vault now.';
    });
  }

  async #ask(work: () => Promise<unknown>): Promise<boolean> {
    if (this.#busy) return false;
    this.#busy = true;
    this.#problem = this.#done = '';
    try {
      await work();
      return true;
    } catch (failure) {
      this.#problem = messageOf(failure);
      return false;
    } finally {
      this.#busy = false;
    }
  }
}

/** What the store is called where people meet it. */
export function keychainName(backend: string): string {
  if (backend === 'darwin') return 'the macOS Keychain';
  if (backend === 'win32') return 'Windows’ own protection of your account';
  if (backend === 'gnome_libsecret') return 'your desktop’s keyring (Secret Service)';
  if (backend.startsWith('kwallet')) return 'KDE Wallet';
  return `the keychain “${backend}”`;
}
