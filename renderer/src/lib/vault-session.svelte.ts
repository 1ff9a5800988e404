import type { VaultStatus } from '../../../shared/domain.js';
import type { KeychainState } from '../../../shared/ipc/areas/vault.js';
import { api, messageOf } from './api.js';

/** Which screen the window shows; `saving-recovery-code` sits between creating and using a vault. */
export type Screen = 'opening' | 'unreachable' | 'create' | 'saving-recovery-code' | 'locked' | 'unlocked';

/**
 * The vault as this window sees it: its state comes from the core (answers and `vault.state`
 * events, so a lock from elsewhere, such as auto-lock, switches the screen too), plus the one
 * moment the window holds a secret of its own: the new recovery code, until the person has saved it.
 */
export class VaultSession {
  #status = $state<VaultStatus | null>(null);
  #unreachable = $state<string | null>(null);
  #recoveryCode = $state<string | null>(null);
  // The core announces "unlocked" before create() returns the code: hold the create screen
  // until the code is here, so the vault never flashes open before the code is shown.
  #creating = $state(false);
  // Set while an unlock brings the vault's file up to this version of the app (can take minutes).
  #upgrading = $state(false);
  // Whether this computer's keychain can unlock the vault, asked each time the vault is locked.
  #keychain = $state.raw<KeychainState | null>(null);

  #screen: Screen = $derived.by(() => {
    if (this.#recoveryCode) return 'saving-recovery-code';
    if (this.#creating) return 'create';
    if (this.#unreachable) return 'unreachable';
    switch (this.#status?.state) {
      case undefined:
        return 'opening';
      case 'absent':
        return 'create';
      case 'locked':
        return 'locked';
      case 'unlocked':
        return 'unlocked';
    }
  });

  get screen(): Screen {
    return this.#screen;
  }

  /** Where the vault file lives, so the person knows what to back up. */
  get location(): string {
    return this.#status?.location ?? '';
  }

  get recoveryCode(): string | null {
    return this.#recoveryCode;
  }

  get unreachable(): string | null {
    return this.#unreachable;
  }

  /** An unlock is updating the vault's file for this version of the app. */
  get upgrading(): boolean {
    return this.#upgrading;
  }

  /** Whether "Unlock with this computer's keychain" is offered on the locked screen. */
  get keychain(): KeychainState | null {
    return this.#keychain;
  }

  /** Follows the core's state until the returned function is called. */
  start(): () => void {
    const stops = [
      api.on('vault.state', (status) => {
        this.#status = status;
        this.#upgrading = false;
        if (status.state === 'locked') void this.#askKeychain();
      }),
      api.on('vault.upgrading', () => {
        this.#upgrading = true;
      }),
    ];
    void this.refresh();
    return () => stops.forEach((stop) => stop());
  }

  async refresh(): Promise<void> {
    try {
      this.#status = await api.call('vault.status', {});
      this.#unreachable = null;
      if (this.#status.state === 'locked') await this.#askKeychain();
    } catch (error) {
      this.#unreachable = messageOf(error);
    }
  }

  async create(input: {
    passphrase: string;
    ownerName?: string | undefined;
    ownerBirthDate?: string | undefined;
  }): Promise<void> {
    this.#creating = true;
    try {
      const created = await api.call('vault.create', input);
      this.#recoveryCode = created.recoveryCode;
      this.#status = created.status;
    } finally {
      this.#creating = false;
    }
  }

  /** The person confirmed they saved the code; it is dropped from memory and never shown again. */
  recoveryCodeSaved(): void {
    this.#recoveryCode = null;
  }

  async unlock(passphrase: string): Promise<void> {
    try {
      this.#status = await api.call('vault.unlock', { passphrase });
    } finally {
      this.#upgrading = false;
    }
  }

  async unlockWithKeychain(): Promise<void> {
    try {
      this.#status = await api.call('vault.unlockWithKeychain', {});
    } finally {
      this.#upgrading = false;
    }
  }

  async #askKeychain(): Promise<void> {
    try {
      this.#keychain = await api.call('vault.keychain', {});
    } catch {
      // Not offered, then: the passphrase still unlocks.
      this.#keychain = null;
    }
  }

  async recover(recoveryCode: string, newPassphrase: string): Promise<void> {
    try {
      this.#status = await api.call('vault.recover', { recoveryCode, newPassphrase });
    } finally {
      this.#upgrading = false;
    }
  }

  async lock(): Promise<void> {
    this.#status = await api.call('vault.lock', {});
    await this.#askKeychain();
  }
}
