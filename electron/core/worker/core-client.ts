import { Worker } from 'node:worker_threads';
import { userMessage, type ErrorKind } from '../../../shared/errors.js';
import type { EventName, Result } from '../../../shared/ipc/contract.js';
import type { ServiceOptions } from '../api.js';
import type { KeychainPort } from '../vault/keychain.js';
import { isReadChannel } from '../service/read-handlers.js';
import type { CoreWorkerData } from './core-worker.js';
import { startReadWorker } from './read-worker-client.js';

export type CoreEventListener = (event: EventName, payload: unknown) => void;

export interface CoreConnection {
  /** Validation happens in the core's dispatch, once, for every transport. */
  dispatch(channel: string, request: unknown): Promise<Result<unknown>>;
  on(listener: CoreEventListener): () => void;
  close(): Promise<void>;
}

/** What the core may ask of the process that hosts it. */
export type CorePorts = {
  /** Opens a SMART sign-in page in the system browser; the host leaves it out (the page shows the link). */
  openBrowser?: (url: string) => void;
  /**
   * Whether reads get a worker and a connection of their own (the default). Only a benchmark
   * turns it off, to show what reads waited for before.
   */
  readWorker?: boolean;
  /** This computer's keychain (Electron's safeStorage in the app; a double in the test host). */
  keychain?: KeychainPort;
};

/** What the core asks of the keychain, and the answer: bytes cross as base64 text. */
export type KeychainCall = {
  id: number;
  call: 'getSelectedStorageBackend' | 'isEncryptionAvailable' | 'encryptString' | 'decryptString';
  arg?: string;
};
export type KeychainAnswer = { id: number; ok: true; value: string | boolean } | { id: number; ok: false };

export type CoreLimits = {
  /** The core's JavaScript heap, in MiB (V8's old generation). */
  memoryMb?: number;
};

/** What the worker posts: a reply as JSON text (see core-worker.ts), an event, or a browser to open. */
export type WorkerMessage =
  | { id: number; json: string }
  | { event: EventName; payload: unknown }
  | { openBrowser: string }
  | { keychain: KeychainCall };

/**
 * Generous for the largest import or export of a long history, and still well below what would
 * take the whole app down: past it the worker alone ends (without a limit, a worker that runs out
 * of heap aborts the whole process, windows included).
 */
const DEFAULT_MEMORY_MB = 3072;
/** A core that dies this often within a minute is not restarted again (it would only die again). */
const MAX_RESTARTS_PER_MINUTE = 3;

const failure = (kind: ErrorKind): Result<never> => ({
  ok: false,
  error: { kind, message: userMessage(kind) },
});

/**
 * Starts the core in a worker thread and talks to it by message; used by Electron's main and the
 * host. Every request is answered: a worker that dies answers its pending requests with why, and
 * is started again (with the vault locked, as a fresh core starts) so the window is never left
 * talking to nothing; the windows hear the locked state at once.
 */
export function startCoreWorker(
  options: ServiceOptions,
  ports: CorePorts = {},
  limits: CoreLimits = {},
): CoreConnection {
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Set<CoreEventListener>();
  const restarts: number[] = [];
  let nextId = 1;
  let closing = false;
  let running = true;

  const emit = (event: EventName, payload: unknown) => {
    for (const listener of listeners) listener(event, payload);
  };

  const send = (channel: string, request: unknown): Promise<Result<unknown>> => {
    if (!running) return Promise.resolve(failure('core-not-running'));
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      try {
        worker.postMessage({ id, channel, request });
      } catch {
        // A request that cannot be cloned (from the shell's own code; the page's arrive parsed).
        pending.delete(id);
        resolve(failure('invalid-request'));
      }
    });
  };

  const start = (): Worker => {
    // Each writer gets a port of its own to the read worker: a restarted one opens it afresh.
    const readers = reader?.newWriterPort() ?? null;
    const started = new Worker(new URL('./core-worker.js', import.meta.url), {
      workerData: { options, readers, keychain: ports.keychain !== undefined } satisfies CoreWorkerData,
      transferList: readers ? [readers] : [],
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb ?? DEFAULT_MEMORY_MB },
    });
    let death: ErrorKind = 'core-stopped';
    started.on('message', (message: WorkerMessage) => {
      if ('openBrowser' in message) {
        if (typeof message.openBrowser === 'string') ports.openBrowser?.(message.openBrowser);
        return;
      }
      if ('event' in message) {
        emit(message.event, message.payload);
        return;
      }
      if ('keychain' in message) {
        void askKeychain(ports.keychain, message.keychain).then((answer) =>
          started.postMessage({ keychainAnswer: answer }),
        );
        return;
      }
      const resolve = pending.get(message.id);
      if (!resolve) return;
      pending.delete(message.id);
      try {
        resolve(JSON.parse(message.json) as Result<unknown>);
      } catch {
        resolve(failure('answer-too-complex'));
      }
    });
    // Replies are JSON text and cannot fail to arrive; an event that could not be read is dropped.
    started.on('messageerror', () => console.error('phr-vault: a message from the core could not be read'));
    started.on('error', (error) => {
      if ((error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') death = 'core-out-of-memory';
      console.error(`phr-vault: core worker failed (${error.name})`);
    });
    started.on('exit', () => {
      for (const resolve of pending.values()) resolve(failure(death));
      pending.clear();
      if (closing) {
        running = false;
        return;
      }
      restart();
    });
    return started;
  };

  const restart = () => {
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0]! > 60_000) restarts.shift();
    if (restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      running = false;
      console.error('phr-vault: the core keeps stopping; not restarting it');
      return;
    }
    restarts.push(now);
    worker = start();
    void send('vault.status', {}).then((status) => {
      if (status.ok) emit('vault.state', status.value);
    });
  };

  const reader = ports.readWorker === false ? null : startReadWorker();
  let worker = start();

  return {
    async dispatch(channel, request) {
      if (reader && running && isReadChannel(channel)) {
        const answered = await reader.ask(channel, request);
        if (answered) return answered;
      }
      return send(channel, request);
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await reader?.close();
      if (!running || closing) return;
      closing = true;
      const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ close: true });
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** Runs one keychain call for the core; a failure crosses as `ok: false` only, never its text. */
async function askKeychain(keychain: KeychainPort | undefined, asked: KeychainCall): Promise<KeychainAnswer> {
  const { id, call, arg = '' } = asked;
  try {
    if (!keychain) throw new Error('no keychain');
    switch (call) {
      case 'getSelectedStorageBackend':
        return { id, ok: true, value: await keychain.getSelectedStorageBackend() };
      case 'isEncryptionAvailable':
        return { id, ok: true, value: await keychain.isEncryptionAvailable() };
      case 'encryptString':
        return { id, ok: true, value: (await keychain.encryptString(arg)).toString('base64') };
      case 'decryptString':
        return { id, ok: true, value: await keychain.decryptString(Buffer.from(arg, 'base64')) };
    }
  } catch {
    return { id, ok: false };
  }
  return { id, ok: false };
}
