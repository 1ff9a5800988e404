import { categories, type Category } from '../../../shared/vocabulary.js';
import type { RecordsChanged } from '../../../shared/ipc/areas/records.js';
import type { ConnectionSyncStatus, SyncProgress, SyncSummary } from '../../../shared/ipc/areas/sync.js';
import { isVaultError, VaultError } from '../errors.js';
import type { ConnectionAccess } from '../smart/connection-access.js';
import { getConnectionDetail, listConnectionDetails } from '../vault/connections.js';
import type { VaultDatabase } from '../vault/database.js';
import {
  DEFAULT_ATTACHMENT_MAX_BYTES,
  startingProgress,
  syncConnection,
  type SyncRunOptions,
} from './connection-sync.js';
import { readDocumentLimit, readInterval, writeDocumentLimit, writeInterval } from '../vault/sync-store.js';

export const DEFAULT_INTERVAL_MINUTES = 6 * 60;
/** Scheduled runs move by up to this share of the interval, so many vaults do not call an EHR in step. */
const JITTER_SHARE = 0.1;
/** A run that failed is tried again this much later (or at its interval, if shorter). */
const RETRY_AFTER_FAILURE_MINUTES = 30;
const knownCategories: ReadonlySet<string> = new Set(categories);
const isCategory = (name: string): name is Category => knownCategories.has(name);

/** setTimeout's longest wait; a longer one is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type SyncEvents = {
  progress(progress: SyncProgress): void;
  finished(summary: SyncSummary): void;
  connectionChanged(connectionId: number): void;
  /** A page of records was stored (ongoing), or a run that changed records ended. */
  recordsChanged(change: RecordsChanged): void;
};

export type SchedulerOptions = {
  db: () => VaultDatabase;
  access: ConnectionAccess;
  events: SyncEvents;
  /** False: runs happen only when asked (tests of other areas, the command line). */
  automatic?: boolean;
  /** After unlocking, due runs wait this long, so the first screen is drawn before the network is used. */
  startDelayMs?: number;
  run?: SyncRunOptions;
  random?: () => number;
};

type Running = {
  controller: AbortController;
  progress: SyncProgress;
  /** The connection's name now: a rename during the run changes it. */
  label: string;
  done: Promise<SyncSummary>;
};

/**
 * When syncs run: every connection on its own interval (default 6 hours, with jitter), at unlock
 * when one is due, after the machine wakes, and when the user asks. Never two runs for one
 * connection at once; nothing while the vault is locked or the machine is offline. Locking
 * cancels what is running (each page already stored stays; the next run resumes).
 */
export class SyncScheduler {
  readonly #running = new Map<number, Running>();
  readonly #timers = new Map<number, { timer: NodeJS.Timeout; at: number }>();
  readonly #lastRun = new Map<number, SyncSummary>();
  /** When each connection's last run ended, whatever its outcome: a failing one waits before trying again. */
  readonly #lastAttempt = new Map<number, number>();
  #unlocked = false;
  #online = true;

  constructor(private readonly options: SchedulerOptions) {}

  get #automatic(): boolean {
    return this.options.automatic ?? true;
  }

  /** The vault is open: arm each connection's timer; what is due runs shortly. */
  vaultUnlocked(): void {
    this.#unlocked = true;
    if (!this.#automatic) return;
    for (const connection of this.#smartConnections())
      this.#schedule(connection.id, this.options.startDelayMs ?? 3_000);
  }

  /** The vault closed: stop everything, forget what was shown. */
  vaultLocked(): void {
    this.#unlocked = false;
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const running of this.#running.values()) running.controller.abort();
    this.#lastRun.clear();
    this.#lastAttempt.clear();
  }

  /** From the shell: online or not, and whether the machine has just woken. */
  machine(state: { online: boolean; woke: boolean }): void {
    const cameOnline = state.online && !this.#online;
    this.#online = state.online;
    if (!this.#unlocked || !this.#automatic || !state.online) return;
    if (state.woke || cameOnline) {
      for (const connection of this.#smartConnections())
        this.#schedule(connection.id, this.options.startDelayMs ?? 3_000);
    }
  }

  /** "Sync now": the given connection, or every one that can sync. Answers which are running. */
  runNow(connectionId?: number): number[] {
    if (!this.#unlocked) throw new VaultError('vault-locked');
    if (!this.#online) throw new VaultError('server-unreachable', 'This computer is offline.');
    const ids =
      connectionId === undefined ? this.#smartConnections().map((c) => c.id) : [this.#syncable(connectionId)];
    for (const id of ids) this.#start(id);
    return ids;
  }

  /** A connection was just made (or signed in again): its first records come now, if syncs run by themselves. */
  connected(connectionId: number): void {
    if (this.#automatic && this.#unlocked && this.#online) this.#start(connectionId);
  }

  /**
   * A connection was renamed: a run under way says so at once under its new name, rather than at
   * its next page (which may be a long "asked to wait" away) or not until it ends.
   */
  renamed(connectionId: number): void {
    const running = this.#running.get(connectionId);
    const label = getConnectionDetail(this.options.db(), connectionId)?.label;
    if (!running || label === undefined) return;
    running.label = label;
    running.progress = { ...running.progress, label };
    this.options.events.progress(running.progress);
  }

  /** Runs one connection now and waits for it (the command line, tests). */
  async runAndWait(connectionId: number): Promise<SyncSummary> {
    if (!this.#unlocked) throw new VaultError('vault-locked');
    this.#start(this.#syncable(connectionId));
    return this.#running.get(connectionId)!.done;
  }

  cancel(connectionId: number): boolean {
    const running = this.#running.get(connectionId);
    if (!running) return false;
    running.controller.abort();
    return true;
  }

  /** Cancels the connection's run, if any, and waits until it has let go. */
  async finish(connectionId: number): Promise<void> {
    const running = this.#running.get(connectionId);
    if (!running) return;
    running.controller.abort();
    await running.done.catch(() => undefined);
  }

  setInterval(connectionId: number, minutes: number): ConnectionSyncStatus {
    this.#syncable(connectionId);
    writeInterval(this.options.db(), connectionId, minutes);
    if (this.#automatic && this.#unlocked) this.#schedule(connectionId);
    return this.status().find((s) => s.connectionId === connectionId)!;
  }

  /**
   * How large a document's file this connection downloads (0: none, only listed). Takes effect at
   * the next run, which also fetches the files left out before that the new bound allows.
   */
  setDocumentLimit(connectionId: number, bytes: number): ConnectionSyncStatus {
    this.#syncable(connectionId);
    writeDocumentLimit(this.options.db(), connectionId, bytes);
    return this.status().find((s) => s.connectionId === connectionId)!;
  }

  status(): ConnectionSyncStatus[] {
    return this.#smartConnections().map((c) => {
      const timer = this.#timers.get(c.id);
      return {
        connectionId: c.id,
        running: this.#running.get(c.id)?.progress ?? null,
        intervalMinutes: readInterval(this.options.db(), c.id) ?? DEFAULT_INTERVAL_MINUTES,
        documentMaxBytes: readDocumentLimit(this.options.db(), c.id) ?? DEFAULT_ATTACHMENT_MAX_BYTES,
        nextRunAt: timer ? new Date(timer.at).toISOString() : null,
        lastRun: this.#lastRun.get(c.id) ?? null,
      };
    });
  }

  /** Ends every run (the service is closing) and waits for them to let go of the database. */
  async stop(): Promise<void> {
    const done = [...this.#running.values()].map((r) => r.done.catch(() => undefined));
    this.vaultLocked();
    await Promise.all(done);
  }

  #smartConnections() {
    return listConnectionDetails(this.options.db()).filter(
      (c) => c.kind === 'smart' && (c.state === 'connected' || c.state === 'error'),
    );
  }

  #syncable(connectionId: number): number {
    const connection = getConnectionDetail(this.options.db(), connectionId);
    if (!connection || connection.kind !== 'smart') throw new VaultError('not-found');
    if (connection.state === 'needs-sign-in' || connection.state === 'disconnected') {
      throw new VaultError('needs-sign-in');
    }
    return connectionId;
  }

  /** Arms the connection's timer: `soonMs` from now when given or overdue, else at its next due time. */
  #schedule(connectionId: number, soonMs?: number): void {
    const old = this.#timers.get(connectionId);
    if (old) clearTimeout(old.timer);
    this.#timers.delete(connectionId);
    const db = this.options.db();
    const interval = readInterval(db, connectionId) ?? DEFAULT_INTERVAL_MINUTES;
    if (interval === 0) return;
    const last = getConnectionDetail(db, connectionId)?.lastSyncAt;
    const random = this.options.random ?? Math.random;
    const jitter = (random() * 2 - 1) * JITTER_SHARE * interval * 60_000;
    const attempted = this.#lastAttempt.get(connectionId);
    const due = Math.max(
      last ? Date.parse(last) + interval * 60_000 + jitter : 0,
      attempted !== undefined ? attempted + Math.min(interval, RETRY_AFTER_FAILURE_MINUTES) * 60_000 : 0,
    );
    const at =
      due <= Date.now() && soonMs !== undefined
        ? Date.now() + soonMs
        : Math.max(due, Date.now() + (soonMs ?? 0));
    const timer = setTimeout(
      () => {
        this.#timers.delete(connectionId);
        if (Date.now() < at - 1000) return this.#schedule(connectionId);
        if (this.#unlocked && this.#online) this.#start(connectionId);
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())),
    );
    // A waiting sync must not keep the app (or a test) alive.
    timer.unref();
    this.#timers.set(connectionId, { timer, at });
  }

  #start(connectionId: number): void {
    if (this.#running.has(connectionId) || !this.#unlocked) return;
    const controller = new AbortController();
    const detail = getConnectionDetail(this.options.db(), connectionId);
    const progress = startingProgress(connectionId, detail?.label ?? '');
    const running: Running = {
      controller,
      progress,
      label: progress.label,
      done: Promise.resolve(null as never),
    };
    this.#running.set(connectionId, running);
    running.done = (async () => {
      let summary: SyncSummary;
      try {
        summary = await syncConnection(this.options.db, this.options.access, connectionId, {
          ...this.options.run,
          signal: controller.signal,
          onProgress: (p) => {
            running.progress = { ...p, label: running.label };
            this.options.events.progress(running.progress);
          },
          onStored: (stored) =>
            this.options.events.recordsChanged({ ...stored, cause: 'sync', removed: 0, ongoing: true }),
        });
      } catch (error) {
        const now = new Date().toISOString();
        summary = {
          connectionId,
          label: running.label,
          outcome: 'failed',
          startedAt: now,
          finishedAt: now,
          added: 0,
          updated: 0,
          gone: 0,
          failedTypes: [],
          newByCategory: {},
          whatIsNew: null,
          message: isVaultError(error)
            ? error.message
            : 'Something went wrong inside PHR Vault. Your records are safe.',
        };
      } finally {
        this.#running.delete(connectionId);
        this.#lastAttempt.set(connectionId, Date.now());
      }
      if (this.#unlocked) {
        this.#lastRun.set(connectionId, summary);
        if (detail && summary.added + summary.updated + summary.gone > 0) {
          this.options.events.recordsChanged({
            personId: detail.personId,
            cause: 'sync',
            added: summary.added,
            updated: summary.updated,
            removed: summary.gone,
            categories: Object.keys(summary.newByCategory).filter(isCategory),
            ongoing: false,
          });
        }
        this.options.events.finished(summary);
        this.options.events.connectionChanged(connectionId);
        if (this.#automatic) this.#schedule(connectionId);
      }
      return summary;
    })();
  }
}
