import type { VaultStatus } from '../../shared/domain.js';
import type { CoreChannel, EventName, EventOf, Result } from '../../shared/ipc/contract.js';
import { Backups, type BackupsOptions } from './backups/backups.js';
import { backupHandlers } from './service/backup-handlers.js';
import { restoreHandlers } from './service/restore-handlers.js';
import { dispatchTo } from './service/dispatch.js';
import { VaultError } from './errors.js';
import type { HandlersFor, ServiceContext, ServiceOptionsBase } from './service/context.js';
import { connectionHandlers } from './service/connection-handlers.js';
import { exportHandlers } from './service/export-handlers.js';
import { importHandlers } from './service/import-handlers.js';
import { healthLinkHandlers } from './service/health-link-handlers.js';
import { noteHandlers } from './service/note-handlers.js';
import { peopleHandlers } from './service/people-handlers.js';
import { readHandlers } from './service/read-handlers.js';
import { settingsHandlers } from './service/settings-handlers.js';
import { recordHandlers } from './service/record-handlers.js';
import { vaultHandlers } from './service/vault-handlers.js';
import { whatsNew } from './vault/whats-new.js';
import { syncHandlers } from './service/sync-handlers.js';
import { ConnectionAccess } from './smart/connection-access.js';
import { SyncScheduler, type SchedulerOptions } from './sync/sync-scheduler.js';
import { isDamage, refuseWrites, writesRefused } from './vault/database.js';
import { VaultFile, type VaultFileOptions } from './vault/vault-file.js';

export type ServiceOptions = Omit<VaultFileOptions, 'onUpgrade'> &
  ServiceOptionsBase & {
    /** How sync runs here; by default on its schedule. */
    sync?: Pick<SchedulerOptions, 'automatic' | 'startDelayMs' | 'run'>;
    /** How scheduled backups run here; by default on the schedule the person chose. */
    backups?: Pick<BackupsOptions, 'automatic' | 'startDelayMs' | 'settleMs' | 'now'>;
  };

type Listener = <E extends EventName>(event: E, payload: EventOf<E>) => void;

/**
 * The vault as a service: one function per contract channel, independent of how requests arrive
 * (Electron IPC through the core worker, the test host's WebSocket, or a test calling it). Each
 * area of the app brings its handlers from service/; the type below makes sure together they
 * answer every channel of the contract the core owns (all but files.*, which the transport answers).
 */
export class VaultService implements ServiceContext {
  readonly vault: VaultFile;
  readonly access: ConnectionAccess;
  readonly sync: SyncScheduler;
  readonly backups: Backups;
  readonly #listeners = new Set<Listener>();
  readonly #forgetOnLock = new Set<() => void>();
  #queue: Promise<unknown> = Promise.resolve();
  readonly handlers: HandlersFor<CoreChannel>;

  constructor(readonly options: ServiceOptions) {
    this.vault = new VaultFile(options.vaultPath, {
      ...options,
      onUpgrade: (from, to) => this.emit('vault.upgrading', { from, to }),
    });
    this.access = new ConnectionAccess(() => this.vault.db);
    this.sync = new SyncScheduler({
      ...options.sync,
      ...(options.sync?.run ? { run: options.sync.run } : {}),
      db: () => this.vault.db,
      access: this.access,
      events: {
        progress: (p) => this.emit('sync.progress', p),
        finished: (s) => this.emit('sync.finished', s),
        connectionChanged: (connectionId) => this.emit('connections.changed', { connectionId }),
        recordsChanged: (change) => this.emit('records.changed', change),
      },
    });
    this.backups = new Backups({
      ...options.backups,
      db: () => this.vault.db,
      vaultPath: options.vaultPath,
      appVersion: options.appVersion,
      changed: (status) => this.emit('backups.changed', status),
    });
    this.onLocked(() => this.sync.vaultLocked());
    this.onLocked(() => this.backups.vaultLocked());
    this.handlers = {
      ...vaultHandlers(this),
      ...peopleHandlers(this),
      ...connectionHandlers(this),
      ...recordHandlers(this),
      ...noteHandlers(this),
      ...exportHandlers(this),
      ...readHandlers(
        () => this.vault.db,
        (personId) => whatsNew(this.vault.db, personId),
      ),
      ...syncHandlers(this),
      ...backupHandlers(this),
      ...restoreHandlers(this),
      ...settingsHandlers(this),
      ...importHandlers(this),
      ...healthLinkHandlers(this),
    };
  }

  status(): VaultStatus {
    return { state: this.vault.state, location: this.vault.path };
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventOf<E>): void {
    if (event === 'vault.state') {
      if ((payload as VaultStatus).state === 'unlocked') {
        this.sync.vaultUnlocked();
        this.backups.vaultUnlocked();
      } else this.#forgetAll();
    }
    for (const listener of this.#listeners) listener(event, payload);
  }

  onLocked(forget: () => void): void {
    this.#forgetOnLock.add(forget);
  }

  #forgetAll(): void {
    for (const forget of this.#forgetOnLock) forget();
  }

  serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** The single entry point of every transport (service/dispatch.ts). */
  dispatch(channel: unknown, request: unknown): Promise<Result<unknown>> {
    return dispatchTo(this.handlers, channel, request, (error) => this.#noticeDamage(error));
  }

  /**
   * A read that met a damaged page makes the open vault read-only (see refuseWrites); a write
   * refused because of it is told as the damage it is, not as a read-only file.
   */
  #noticeDamage(error: unknown): unknown {
    if (this.vault.state !== 'unlocked') return error;
    const db = this.vault.db;
    if (isDamage(error)) {
      refuseWrites(db);
      return error;
    }
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('SQLITE_READONLY') && writesRefused(db)) {
      return new VaultError('vault-damaged', undefined, { cause: error });
    }
    return error;
  }

  close(): void {
    this.#forgetAll();
    this.vault.lock();
    this.#listeners.clear();
  }
}

export { toFailure } from './service/dispatch.js';
