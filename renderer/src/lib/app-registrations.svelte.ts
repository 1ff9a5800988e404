import type { AppRegistrations } from '../../../shared/ipc/areas/connections.js';
import { api, messageOf } from './api.js';

export type RegistrationTarget = { vendor: string } | { fhirBase: string };
export type ClientAuth = 'public' | 'private_key_jwt';

/**
 * The app's registrations (client ids) per vendor and per FHIR address, as the App registrations
 * place shows and changes them. They are saved on this computer beside the vault by the core.
 */
export class AppRegistrationsState {
  #overview = $state.raw<AppRegistrations | null>(null);
  #publicKeys = $state<string | null>(null);
  #error = $state<string | null>(null);
  #saved = $state('');
  #busy = $state(false);

  get overview(): AppRegistrations | null {
    return this.#overview;
  }
  get publicKeys(): string | null {
    return this.#publicKeys;
  }
  get error(): string | null {
    return this.#error;
  }
  /** What the last save or removal did, in words, for a status line. */
  get saved(): string {
    return this.#saved;
  }
  get busy(): boolean {
    return this.#busy;
  }

  vendorName(vendor: string): string {
    return this.#overview?.vendors.find((v) => v.vendor === vendor)?.name ?? vendor;
  }

  async load(): Promise<void> {
    await this.#run(async () => {
      this.#overview = await api.call('clients.list', {});
    });
  }

  /** Resolves true when saved. */
  async save(target: RegistrationTarget, clientId: string, auth: ClientAuth): Promise<boolean> {
    let ok = false;
    await this.#run(async () => {
      this.#overview = await api.call('clients.save', { target, clientId, auth });
      this.#saved = `Saved: ${this.#describe(target)} now signs in with client id ${clientId.trim()}.`;
      ok = true;
    });
    return ok;
  }

  async remove(target: RegistrationTarget): Promise<void> {
    await this.#run(async () => {
      this.#overview = await api.call('clients.remove', { target });
      this.#saved = `Removed this computer’s client id for ${this.#describe(target)}.`;
    });
  }

  /** The vault's public key set, as text to paste into a developer site. */
  async loadPublicKeys(): Promise<void> {
    if (this.#publicKeys) return;
    await this.#run(async () => {
      this.#publicKeys = JSON.stringify(await api.call('connections.publicKeys', {}), null, 2);
    });
  }

  clearMessages(): void {
    this.#error = null;
    this.#saved = '';
  }

  #describe(target: RegistrationTarget): string {
    return 'vendor' in target ? this.vendorName(target.vendor) : target.fhirBase;
  }

  async #run(work: () => Promise<void>): Promise<void> {
    this.#busy = true;
    this.#error = null;
    this.#saved = '';
    try {
      await work();
    } catch (error) {
      this.#error = messageOf(error);
    } finally {
      this.#busy = false;
    }
  }
}
