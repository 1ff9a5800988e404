import type {
  Connection,
  ConnectResult,
  IdentityComparison,
  Institution,
  ServerSummary,
} from '../../../shared/ipc/areas/connections.js';
import type { EventOf } from '../../../shared/ipc/contract.js';
import { api, messageOf } from './api.js';

export type SignInProgress = EventOf<'connections.progress'>;

/** A sign-in that found someone other than the chosen person: the user decides. */
export type PendingLink = { pendingId: string; comparison: IdentityComparison };

/**
 * The connections screen's state: the institution search, the server found by address, the
 * sign-in under way, and the list. Tokens never reach here; the core sends states and names.
 */
export class Connections {
  #list = $state.raw<Connection[]>([]);
  #results = $state.raw<Institution[]>([]);
  #server = $state.raw<ServerSummary | null>(null);
  #progress = $state.raw<SignInProgress | null>(null);
  #pending = $state.raw<PendingLink | null>(null);
  #error = $state<string | null>(null);
  /** The directory entry picked that PHR Vault has no client id for: said before any sign-in. */
  #unregistered = $state.raw<Institution | null>(null);
  #busy = $state(false);
  // Whose connections the list shows; a change pushed by the core reloads the same person's.
  #personId: number | undefined;
  // Typing fast starts several searches; only the latest may land.
  #searchRequest = 0;
  readonly #stop: (() => void)[] = [];

  constructor() {
    this.#stop.push(
      api.on('connections.progress', (progress) => {
        this.#progress = progress;
      }),
      api.on('connections.changed', () => void this.load()),
      // The record counts and "last sync" change with every run; the core also says so with
      // connections.changed, but a finished sync is reason enough to read the list again.
      api.on('sync.finished', () => void this.load().catch(() => undefined)),
    );
  }

  get list(): Connection[] {
    return this.#list;
  }
  get results(): Institution[] {
    return this.#results;
  }
  get server(): ServerSummary | null {
    return this.#server;
  }
  get progress(): SignInProgress | null {
    return this.#progress;
  }
  get pending(): PendingLink | null {
    return this.#pending;
  }
  get error(): string | null {
    return this.#error;
  }
  get busy(): boolean {
    return this.#busy;
  }
  get unregistered(): Institution | null {
    return this.#unregistered;
  }

  async load(personId: number | undefined = this.#personId): Promise<void> {
    this.#personId = personId;
    this.#list = await api.call('connections.list', personId === undefined ? {} : { personId });
  }

  #lastQuery = '';
  // A search's answer is on its way (the first one builds the directory's index: a second or two).
  #searching = $state(false);

  get searching(): boolean {
    return this.#searching;
  }

  async search(query: string): Promise<void> {
    // What went wrong with one institution is not about the next search's results.
    if (query !== this.#lastQuery && !this.#busy) {
      this.#error = null;
      this.#unregistered = null;
    }
    this.#lastQuery = query;
    const request = ++this.#searchRequest;
    this.#searching = query.trim().length > 0;
    try {
      const found = query.trim() ? await api.call('institutions.search', { query, limit: 20 }) : [];
      if (request === this.#searchRequest) this.#results = found;
    } finally {
      if (request === this.#searchRequest) this.#searching = false;
    }
  }

  /** The same search again: a client id saved since changes which results can be signed in to. */
  async refreshSearch(): Promise<void> {
    const request = ++this.#searchRequest;
    const query = this.#lastQuery;
    const found = query.trim() ? await api.call('institutions.search', { query, limit: 20 }) : [];
    if (request === this.#searchRequest) this.#results = found;
    const waiting = this.#unregistered;
    if (waiting && found.some((i) => i.id === waiting.id && i.hasClientId)) this.#unregistered = null;
  }

  /**
   * Signs in to a directory entry, or, when PHR Vault has no client id for it, says so at once
   * (nothing is discovered and no browser opens).
   */
  async pick(institution: Institution, personId: number | undefined): Promise<void> {
    if (this.#busy) return;
    this.#error = null;
    if (!institution.hasClientId) {
      this.#unregistered = institution;
      return;
    }
    this.#unregistered = null;
    await this.connect(institution.fhirBase, personId, institution.name);
  }

  async discover(fhirBase: string): Promise<void> {
    await this.#run(async () => {
      this.#server = await api.call('connections.discover', { fhirBase });
    });
  }

  async connect(fhirBase: string, personId: number | undefined, label?: string): Promise<void> {
    await this.#run(async () => {
      this.#settle(await api.call('connections.connect', { fhirBase, personId, label }));
    });
  }

  /**
   * The user's answer to "these records look like someone else's". With `asNewPerson`, the
   * portal's patient becomes a new person whose connection it is; their id is returned.
   */
  async confirm(link: boolean, asNewPerson = false): Promise<number | null> {
    const pending = this.#pending;
    if (!pending) return null;
    let personId: number | null = null;
    await this.#run(async () => {
      const result = await api.call('connections.confirm', {
        pendingId: pending.pendingId,
        link,
        ...(asNewPerson ? { asNewPerson } : {}),
      });
      if (result.outcome === 'connected') personId = result.connection.personId;
      this.#settle(result);
    });
    return personId;
  }

  async cancel(): Promise<void> {
    await api.call('connections.cancelSignIn', {});
  }

  async signInAgain(connectionId: number): Promise<void> {
    await this.#run(async () => {
      await api.call('connections.signInAgain', { connectionId });
      await this.load();
    });
  }

  /**
   * Renames a connection. The words of a refusal ("already has a connection by that name") are
   * returned for the rename form to show beside the name, not in the screen's general alert.
   */
  async rename(connectionId: number, label: string): Promise<string | null> {
    try {
      await api.call('connections.rename', { connectionId, label });
    } catch (error) {
      return messageOf(error);
    }
    await this.load();
    return null;
  }

  /** Resolves to how many records went with the connection (0 when kept, or on failure). */
  async disconnect(connectionId: number, keepRecords: boolean): Promise<number> {
    let removed = 0;
    await this.#run(async () => {
      removed = (await api.call('connections.disconnect', { connectionId, keepRecords })).recordsDeleted;
      await this.load();
    });
    return removed;
  }

  dispose(): void {
    for (const stop of this.#stop.splice(0)) stop();
  }

  #settle(result: ConnectResult): void {
    this.#pending =
      result.outcome === 'confirm' ? { pendingId: result.pendingId, comparison: result.comparison } : null;
    // Once connected, the server checked by address has done its job; its "Sign in" would only
    // start a second connection to the same place.
    if (result.outcome === 'connected') this.#server = null;
    if (result.outcome !== 'confirm') void this.load();
  }

  async #run(work: () => Promise<void>): Promise<void> {
    this.#busy = true;
    this.#error = null;
    try {
      await work();
    } catch (error) {
      this.#error = messageOf(error);
    } finally {
      this.#busy = false;
      this.#progress = null;
    }
  }
}

/** Words for a connection's state, as the list shows them. */
export const connectionStateWords: Record<string, string> = {
  connected: 'Connected',
  'signing-in': 'Signing in…',
  'needs-sign-in': 'Needs you to sign in again',
  error: 'Problem',
  disconnected: 'Disconnected',
};

export const signInStepWords: Record<SignInProgress['step'], string> = {
  discovering: 'Finding the health system’s sign-in…',
  'waiting-for-browser': 'Sign in in your browser. PHR Vault is waiting.',
  'exchanging-code': 'Finishing the sign-in…',
  'reading-patient': 'Checking who signed in…',
  connected: 'Connected.',
  failed: 'The sign-in did not complete.',
};
