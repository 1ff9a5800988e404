import type { Category } from '../../../shared/domain.js';
import type { SyncProgress } from '../../../shared/ipc/areas/sync.js';
import { isVaultError, VaultError } from '../errors.js';
import { storeArrivals } from '../records/ingest.js';
import type { ConnectionAccess } from '../smart/connection-access.js';
import { getConnectionDetail, readSmartAuth, type SmartConnectionAuth } from '../vault/connections.js';
import type { VaultDatabase } from '../vault/database.js';
import { markRefused, readRefusal } from '../vault/kinds-not-shared.js';
import type { IncomingRecord, StoreTally } from '../vault/record-store.js';
import { closeInterruptedRuns, logTypeOutcome, startRunLog } from '../vault/sync-store.js';
import type { Capabilities } from './capabilities.js';
import { grantedAccess, type GrantedAccess } from './granted-access.js';
import { refusalOf } from './page-rules.js';
import { ServerReader, type ReaderOptions } from './server-reader.js';

/**
 * A kind of record the server refused (403, 404) is asked for again this long after, not on every
 * sync: an Oracle Health site may license it later. A new sign-in granting other scopes asks at once.
 */
const REFUSED_REST_MS = 7 * 24 * 3600_000;

/** Records a run stored since it last said so, for whoever shows them (records.changed). */
export type StoredSoFar = { personId: number; added: number; updated: number; categories: Category[] };

export type RunOptions = ReaderOptions & {
  onProgress?: (progress: SyncProgress) => void;
  onStored?: (stored: StoredSoFar) => void;
};

/** Where a run is before it has asked the server anything. */
export function startingProgress(connectionId: number, label: string): SyncProgress {
  return {
    connectionId,
    label,
    state: 'running',
    resourceType: null,
    typesDone: 0,
    typesTotal: 1,
    pages: 0,
    records: 0,
    message: null,
  };
}

/** Why a type stopped, in the user's words; the reason stays in the sync log. */
export function failureMessage(error: unknown): string {
  if (isVaultError(error)) return error.message;
  return 'Something went wrong inside PHR Vault while reading these records. Nothing stored was lost.';
}

/**
 * One sync of one connection while it runs: who it is for, what the sign-in granted, the reader of
 * the server, and what the run has found so far (counts, new records by category, the references
 * and documents to follow up), shared by its steps (connection-sync.ts, type-pull.ts).
 */
export class SyncRun {
  readonly auth: SmartConnectionAuth & { authState: NonNullable<SmartConnectionAuth['authState']> };
  readonly label: string;
  readonly storedVersion: string | null;
  readonly granted: GrantedAccess;
  readonly grantedScope: string | null;
  readonly startedAt = new Date().toISOString();
  readonly runId: number;
  readonly reader: ServerReader;
  readonly progress: SyncProgress;
  readonly tally: StoreTally = { added: 0, updated: 0, unchanged: 0 };
  gone = 0;
  readonly failedTypes: { resourceType: string; message: string }[] = [];
  /** Kinds of record first found not shared by this run: named in its log once, then only on the card. */
  readonly notShared: string[] = [];
  readonly newByCategory: Record<string, number> = {};
  /** References to read and documents whose files to download, found as pages were stored. */
  readonly references = new Set<string>();
  readonly documents = new Set<string>();
  /** Pages stored by a run that died are not in those sets: a resumed run looks at everything. */
  resumed = false;
  /** What was stored up to the last time the run said so, and the kinds added since. */
  #told = { added: 0, updated: 0 };
  readonly #kindsAdded = new Set<Category>();
  capabilities: Capabilities | null = null;

  constructor(
    readonly db: () => VaultDatabase,
    access: ConnectionAccess,
    readonly connectionId: number,
    private readonly options: RunOptions,
  ) {
    const auth = readSmartAuth(db(), connectionId);
    const detail = getConnectionDetail(db(), connectionId);
    if (!auth || !detail) throw new VaultError('not-found');
    if (auth.state === 'needs-sign-in' || auth.state === 'disconnected' || !auth.authState) {
      throw new VaultError('needs-sign-in');
    }
    this.auth = auth as SyncRun['auth'];
    this.label = detail.label;
    this.storedVersion = detail.fhirVersion;
    const tokenResponse = auth.authState.tokenResponse as { scope?: unknown } | undefined;
    this.granted = grantedAccess(tokenResponse);
    this.grantedScope = typeof tokenResponse?.scope === 'string' ? tokenResponse.scope : null;
    closeInterruptedRuns(db(), connectionId, this.startedAt);
    this.runId = startRunLog(db(), connectionId, this.startedAt);
    this.progress = startingProgress(connectionId, this.label);
    this.reader = new ServerReader(access, connectionId, {
      ...options,
      onWait: (message) => this.report({ message }),
    });
  }

  get version() {
    return this.capabilities?.version ?? 'R4';
  }

  report(change: Partial<SyncProgress> = {}): void {
    Object.assign(this.progress, change);
    this.options.onProgress?.({ ...this.progress });
    this.#tellStored();
  }

  /**
   * Says what was stored since it last said so. Called with each report, which every step makes
   * after its records are committed (a transaction never spans a report), so whoever is told and
   * reads the vault at once finds them.
   */
  #tellStored(): void {
    const added = this.tally.added - this.#told.added;
    const updated = this.tally.updated - this.#told.updated;
    if (added + updated === 0) return;
    this.#told = { added: this.tally.added, updated: this.tally.updated };
    const categories = [...this.#kindsAdded];
    this.#kindsAdded.clear();
    this.options.onStored?.({ personId: this.auth.personId, added, updated, categories });
  }

  /** Stores records of this connection's patient, counting what is new by category. */
  store(records: IncomingRecord[], seenPull?: number): { stored: number; skipped: number } {
    return storeArrivals(this.db(), this.auth.personId, this.connectionId, records, this.tally, {
      onAdded: (category) => {
        this.newByCategory[category] = (this.newByCategory[category] ?? 0) + 1;
        this.#kindsAdded.add(category);
      },
      seenPull,
    });
  }

  /** A line of the sync log for one kind of record. */
  logType(
    resourceType: string,
    outcome: 'ok' | 'failed',
    message: string | null,
    counts: { added: number; updated: number } = { added: 0, updated: 0 },
    startedAt: string = new Date().toISOString(),
  ): void {
    logTypeOutcome(this.db(), this.connectionId, this.runId, {
      resourceType,
      outcome,
      message,
      added: counts.added,
      updated: counts.updated,
      startedAt,
      finishedAt: new Date().toISOString(),
    });
  }

  #logRefusal(type: string, why: string): void {
    this.logType(type, 'ok', `${this.label} did not share these records. ${why}`);
  }

  /**
   * Whether to skip a search the institution did not share: not granted at sign-in (never asked
   * for), or refused by its server lately under the same scopes. A refusal is named in the sync
   * log the first time only; the connection's card lists it from then on.
   */
  withheld(key: string): boolean {
    const type = key.split('?')[0]!;
    const db = this.db();
    if (!this.granted.allows(type)) {
      if (readRefusal(db, this.connectionId, key)?.refused !== 'not-granted' && key === type) {
        this.notShared.push(type);
        this.#logRefusal(type, 'The sign-in did not give PHR Vault access to these records.');
      }
      markRefused(db, this.connectionId, key, 'not-granted', new Date().toISOString(), this.grantedScope);
      return true;
    }
    return refusalResting(readRefusal(db, this.connectionId, key), this.grantedScope, Date.now());
  }

  /** The server refused a whole kind of record (403, or 404 where it is not licensed). */
  refusedByServer(key: string, status: number): boolean {
    const refusal = refusalOf(status);
    if (!refusal) return false;
    const type = key.split('?')[0]!;
    if (key === type && readRefusal(this.db(), this.connectionId, key) === null) {
      this.notShared.push(type);
      this.#logRefusal(
        type,
        status === 403
          ? 'Its server refused them to PHR Vault (403); they are asked for again in a week or after a new sign-in.'
          : 'Its server does not offer them (404); they are asked for again in a week or after a new sign-in.',
      );
    }
    markRefused(this.db(), this.connectionId, key, refusal, new Date().toISOString(), this.grantedScope);
    return true;
  }
}

/**
 * Whether a refusal the server gave still stands: one not about the grant, under the same scopes,
 * within the rest period. A new sign-in (other scopes) or a week later asks again.
 */
export function refusalResting(
  known: { refused: string; at: string; scope: string | null } | null,
  grantedScope: string | null,
  now: number,
): boolean {
  return (
    known !== null &&
    known.refused !== 'not-granted' &&
    known.scope === grantedScope &&
    now - Date.parse(known.at) < REFUSED_REST_MS
  );
}
