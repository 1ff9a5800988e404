import type { VaultStatus } from '../../../shared/domain.js';
import type {
  CoreChannel,
  EventName,
  EventOf,
  ParsedRequestOf,
  ResponseOf,
} from '../../../shared/ipc/contract.js';
import type { Backups } from '../backups/backups.js';
import type { ConnectionAccess } from '../smart/connection-access.js';
import type { SystemBrowser } from '../smart/system-browser.js';
import type { SyncScheduler } from '../sync/sync-scheduler.js';
import type { VaultFile } from '../vault/vault-file.js';

export type ServiceOptionsBase = {
  vaultPath: string;
  transport: 'electron' | 'host';
  appVersion: string;
  /** Opens a SMART sign-in page in the user's own browser; see system-browser.ts. */
  openBrowser?: SystemBrowser;
  /**
   * A file of SMART client registrations that wins over this computer's (PHR_VAULT_SMART_CLIENTS,
   * read by the entry point that makes the core, never by the core itself).
   */
  smartClientsFile?: string | null;
};

/** What every area's handlers may use of the service: the vault, events, and a queue for slow state changes. */
export interface ServiceContext {
  readonly vault: VaultFile;
  readonly options: ServiceOptionsBase;
  /** The one user of connections' tokens (one refresh in flight per connection, app-wide). */
  readonly access: ConnectionAccess;
  readonly sync: SyncScheduler;
  readonly backups: Backups;
  status(): VaultStatus;
  emit<E extends EventName>(event: E, payload: EventOf<E>): void;
  /**
   * Called whenever the vault stops being unlocked, so an area can drop what it holds in memory
   * for the open vault (a sign-in's tokens waiting for the user's answer, say).
   */
  onLocked(forget: () => void): void;
  /** Runs state-changing work one at a time (unlock, create, recover are slow: scrypt). */
  serial<T>(work: () => Promise<T>): Promise<T>;
}

export type Handler<C extends CoreChannel> = (
  request: ParsedRequestOf<C>,
) => ResponseOf<C> | Promise<ResponseOf<C>>;

/** The handlers of some channels; the service checks that the areas together cover the contract. */
export type HandlersFor<K extends CoreChannel> = { [C in K]: Handler<C> };
