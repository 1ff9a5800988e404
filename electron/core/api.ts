import { ZodError } from 'zod';
import type { VaultStatus } from '../../shared/domain.js';
import { userMessage } from '../../shared/errors.js';
import {
  contract,
  isChannel,
  type Channel,
  type EventName,
  type EventOf,
  type ParsedRequestOf,
  type ResponseOf,
  type Result,
} from '../../shared/ipc/contract.js';
import { isVaultError, VaultError } from './errors.js';
import { listConnections } from './vault/connections.js';
import { addPerson, listPersons } from './vault/persons.js';
import { searchRecords } from './vault/search.js';
import { getRecord, recordStats, timelinePage } from './vault/timeline.js';
import { VaultFile, type VaultFileOptions } from './vault/vault-file.js';

export type ServiceOptions = VaultFileOptions & {
  vaultPath: string;
  transport: 'electron' | 'host';
  appVersion: string;
};

type Handlers = { [C in Channel]: (request: ParsedRequestOf<C>) => ResponseOf<C> | Promise<ResponseOf<C>> };
type Listener = <E extends EventName>(event: E, payload: EventOf<E>) => void;

/**
 * The vault as a service: one function per contract channel, independent of how requests arrive
 * (Electron IPC through the core worker, the test host's WebSocket, or a test calling it).
 */
export class VaultService {
  readonly vault: VaultFile;
  readonly #listeners = new Set<Listener>();
  // Unlock, create and recover are slow (scrypt) and change state: one at a time.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: ServiceOptions) {
    this.vault = new VaultFile(options.vaultPath, options);
  }

  status(): VaultStatus {
    return { state: this.vault.state, location: this.vault.path };
  }

  on(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit<E extends EventName>(event: E, payload: EventOf<E>): void {
    for (const listener of this.#listeners) listener(event, payload);
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #stateChanged(): VaultStatus {
    const status = this.status();
    this.#emit('vault.state', status);
    return status;
  }

  readonly handlers: Handlers = {
    'app.info': () => ({ version: this.options.appVersion, transport: this.options.transport }),

    'vault.status': () => this.status(),
    'vault.create': (req) =>
      this.#serial(async () => {
        const recoveryCode = await this.vault.create(req.passphrase);
        addPerson(this.vault.db, {
          name: req.ownerName ?? 'Me',
          birthDate: req.ownerBirthDate,
          relationship: 'self',
        });
        return { recoveryCode, status: this.#stateChanged() };
      }),
    'vault.unlock': (req) =>
      this.#serial(async () => {
        await this.vault.unlock(req.passphrase);
        return this.#stateChanged();
      }),
    'vault.recover': (req) =>
      this.#serial(async () => {
        await this.vault.recover(req.recoveryCode, req.newPassphrase);
        return this.#stateChanged();
      }),
    'vault.lock': () =>
      this.#serial(async () => {
        this.vault.lock();
        return this.#stateChanged();
      }),
    'vault.changePassphrase': (req) =>
      this.#serial(async () => {
        await this.vault.changePassphrase(req.current, req.next);
        return this.status();
      }),

    'persons.list': () => listPersons(this.vault.db),
    'persons.add': (req) => addPerson(this.vault.db, req),

    'connections.list': (req) => listConnections(this.vault.db, req.personId),

    'records.stats': (req) => recordStats(this.vault.db, req.personId),
    'records.get': (req) => getRecord(this.vault.db, req.id),

    'timeline.page': (req) => timelinePage(this.vault.db, req),
    'timeline.search': (req) => ({ entries: searchRecords(this.vault.db, req) }),
  };

  /**
   * The single entry point of every transport: validates the request against the contract, runs
   * the handler and turns any failure into a typed envelope. Nothing raw crosses: no stack, no
   * SQL, no key; an unexpected error is logged by its class name only.
   */
  async dispatch(channel: unknown, request: unknown): Promise<Result<unknown>> {
    try {
      if (!isChannel(channel)) throw new VaultError('invalid-request');
      const parsed: unknown = contract[channel].request.parse(request ?? {});
      const handler = this.handlers[channel] as (req: unknown) => unknown;
      return { ok: true, value: await handler(parsed) };
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
  }

  close(): void {
    this.vault.lock();
    this.#listeners.clear();
  }
}

export function toFailure(error: unknown): { kind: VaultError['kind']; message: string } {
  if (isVaultError(error)) return { kind: error.kind, message: error.message };
  if (error instanceof ZodError) return { kind: 'invalid-request', message: userMessage('invalid-request') };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY') return { kind: 'vault-busy', message: userMessage('vault-busy') };
  console.error(
    `phr-vault: unexpected ${error instanceof Error ? error.name : typeof error}${typeof code === 'string' ? ` (${code})` : ''}`,
  );
  return { kind: 'internal', message: userMessage('internal') };
}
