import { Worker } from 'node:worker_threads';
import type { EventName, Result } from '../../../shared/ipc/contract.js';
import type { WireMessage } from '../../../shared/ipc/wire.js';
import type { ServiceOptions } from '../api.js';
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
};

/** Starts the core in a worker thread and talks to it by message; used by Electron's main and the host. */
export function startCoreWorker(options: ServiceOptions, ports: CorePorts = {}): CoreConnection {
  const reader = ports.readWorker === false ? null : startReadWorker();
  const worker = new Worker(new URL('./core-worker.js', import.meta.url), {
    workerData: { options, readers: reader?.writerPort ?? null } satisfies CoreWorkerData,
    transferList: reader ? [reader.writerPort] : [],
  });
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Set<CoreEventListener>();
  let nextId = 1;
  let exited = false;

  worker.on('message', (message: WireMessage | { openBrowser: string }) => {
    if ('openBrowser' in message) {
      if (typeof message.openBrowser === 'string') ports.openBrowser?.(message.openBrowser);
      return;
    }
    if ('event' in message) {
      for (const listener of listeners) listener(message.event, message.payload);
      return;
    }
    pending.get(message.id)?.(message.result);
    pending.delete(message.id);
  });
  worker.on('exit', () => {
    exited = true;
    for (const resolve of pending.values()) {
      resolve({
        ok: false,
        error: { kind: 'internal', message: 'The vault stopped unexpectedly. Restart PHR Vault.' },
      });
    }
    pending.clear();
  });
  worker.on('error', (error) => console.error(`phr-vault: core worker failed (${error.name})`));

  return {
    async dispatch(channel, request) {
      if (reader && !exited && isReadChannel(channel)) {
        const answered = await reader.ask(channel, request);
        if (answered) return answered;
      }
      if (exited) {
        return Promise.resolve({
          ok: false,
          error: { kind: 'internal', message: 'The vault is not running. Restart PHR Vault.' },
        });
      }
      const id = nextId++;
      return new Promise<Result<unknown>>((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ id, channel, request });
      });
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await reader?.close();
      if (exited) return;
      const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ close: true });
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
