import { ZodError } from 'zod';
import type { VaultStatus } from '../../shared/domain.js';
import { userMessage } from '../../shared/errors.js';
import { isFilesChannel } from '../../shared/ipc/areas/files.js';
import {
  coreContract,
  isCoreContractChannel,
  type CoreChannel,
  type EventName,
  type EventOf,
  type Result,
} from '../../shared/ipc/contract.js';
import { isVaultError, VaultError } from './errors.js';
import type { HandlersFor, ServiceContext, ServiceOptionsBase } from './service/context.js';
import { connectionHandlers } from './service/connection-handlers.js';
import { insightHandlers } from './service/insight-handlers.js';
import { exportHandlers } from './service/export-handlers.js';
import { peopleHandlers } from './service/people-handlers.js';
import { recordHandlers } from './service/record-handlers.js';
import { vaultHandlers } from './service/vault-handlers.js';
import { linkLikelyDuplicates } from './records/likely-duplicates.js';
import { syncHandlers } from './service/sync-handlers.js';
import { ConnectionAccess } from './smart/connection-access.js';
import { SyncScheduler, type SchedulerOptions } from './sync/sync-scheduler.js';
import { isDamage, refuseWrites, writesRefused } from './vault/database.js';
import { VaultFile, type VaultFileOptions } from './vault/vault-file.js';

export type ServiceOptions = Omit<VaultFileOptions, 'onUpgrade'> &
  ServiceOptionsBase & {
    /** How sync runs here; by default on its schedule. */
    sync?: Pick<SchedulerOptions, 'automatic' | 'startDelayMs' | 'run'>;
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
      // Records from two institutions about the same test are linked as each sync ends.
      run: { afterStore: (db, personId) => void linkLikelyDuplicates(db, personId), ...options.sync?.run },
      db: () => this.vault.db,
      access: this.access,
      events: {
        progress: (p) => this.emit('sync.progress', p),
        finished: (s) => this.emit('sync.finished', s),
        connectionChanged: (connectionId) => this.emit('connections.changed', { connectionId }),
      },
    });
    this.onLocked(() => this.sync.vaultLocked());
    this.handlers = {
      ...vaultHandlers(this),
      ...peopleHandlers(this),
      ...connectionHandlers(this),
      ...recordHandlers(this),
      ...exportHandlers(this),
      ...insightHandlers(this),
      ...syncHandlers(this),
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
      if ((payload as VaultStatus).state === 'unlocked') this.sync.vaultUnlocked();
      else this.#forgetAll();
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

  /**
   * The single entry point of every transport: validates the request against the contract, runs
   * the handler and turns any failure into a typed envelope. Nothing raw crosses: no stack, no
   * SQL, no key; an unexpected error is logged by its class name only.
   */
  async dispatch(channel: unknown, request: unknown): Promise<Result<unknown>> {
    try {
      // files.* belong to the transport; one reaching the core came from somewhere it should not.
      if (!isCoreContractChannel(channel) || isFilesChannel(channel)) throw new VaultError('invalid-request');
      const parsed: unknown = coreContract[channel].request.parse(request ?? {});
      const handler = this.handlers[channel] as (req: unknown) => unknown;
      return { ok: true, value: await handler(parsed) };
    } catch (error) {
      return { ok: false, error: toFailure(this.#noticeDamage(error)) };
    }
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

export function toFailure(error: unknown): { kind: VaultError['kind']; message: string } {
  if (isVaultError(error)) return { kind: error.kind, message: error.message };
  if (error instanceof ZodError) return { kind: 'invalid-request', message: userMessage('invalid-request') };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY') return { kind: 'vault-busy', message: userMessage('vault-busy') };
  if (isDamage(error)) return { kind: 'vault-damaged', message: userMessage('vault-damaged') };
  // SQLite rolls the transaction back; what was committed before stays (synchronous=FULL).
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT')
    return { kind: 'disk-full', message: userMessage('disk-full') };
  if ((typeof code === 'string' && code.startsWith('SQLITE_IOERR')) || code === 'EFBIG' || code === 'EIO')
    return { kind: 'disk-failed', message: userMessage('disk-failed') };
  console.error(
    `phr-vault: unexpected ${error instanceof Error ? error.name : typeof error}${typeof code === 'string' ? ` (${code})` : ''}`,
  );
  return { kind: 'internal', message: userMessage('internal') };
}
