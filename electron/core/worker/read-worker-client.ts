import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Result } from '../../../shared/ipc/contract.js';
import type { VaultReaders } from '../vault/vault-file.js';
import type { ReaderToWriter, ReadWorkerReply, ToReadWorker, WriterToReader } from './read-worker.js';

/** The read worker as its client (main, or the host) sees it; `undefined`: ask the writer. */
export interface ReadWorker {
  /**
   * A port for a (re)started writer, to open and close the read connection; the read worker
   * listens to the newest one only (a writer that died has left the vault locked).
   */
  newWriterPort(): MessagePort;
  ask(channel: string, request: unknown): Promise<Result<unknown> | undefined>;
  close(): Promise<void>;
}

export function startReadWorker(): ReadWorker {
  const worker = new Worker(new URL('./read-worker.js', import.meta.url));
  const pending = new Map<number, (result: Result<unknown> | undefined) => void>();
  let nextId = 1;
  let exited = false;

  worker.on('message', (reply: ReadWorkerReply) => {
    const resolve = pending.get(reply.id);
    pending.delete(reply.id);
    if (!resolve) return;
    if (!('json' in reply)) return resolve(undefined);
    try {
      resolve(JSON.parse(reply.json) as Result<unknown>);
    } catch {
      resolve(undefined);
    }
  });
  // A read worker that fails leaves every read to the writer: slower during writes, never wrong.
  const handOverAll = () => {
    exited = true;
    for (const resolve of pending.values()) resolve(undefined);
    pending.clear();
  };
  worker.on('exit', handOverAll);
  worker.on('error', (error) => console.error(`phr-vault: read worker failed (${error.name})`));

  return {
    newWriterPort() {
      const { port1: writerPort, port2: readerPort } = new MessageChannel();
      worker.postMessage({ attach: readerPort } satisfies ToReadWorker, [readerPort]);
      return writerPort;
    },
    ask(channel, request) {
      if (exited) return Promise.resolve(undefined);
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ id, channel, request });
      });
    },
    async close() {
      if (exited) return;
      const done = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ close: true });
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** How long an unlock waits for the read connection before leaving reads to the writer. */
const OPEN_TIMEOUT_MS = 10_000;

/** The writer's side of the port: `VaultReaders` for the vault file, in the core worker. */
export function readersOver(port: MessagePort): VaultReaders {
  let answer: ((opened: boolean) => void) | null = null;
  port.on('message', (message: ReaderToWriter) => {
    answer?.(message.opened);
    answer = null;
  });
  return {
    open(path, dataKey) {
      // A copy in a buffer of its own, moved (not copied again) to the read worker.
      const key = new Uint8Array(dataKey);
      dataKey.fill(0);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), OPEN_TIMEOUT_MS);
        answer = (opened) => {
          clearTimeout(timer);
          resolve(opened);
        };
        port.postMessage({ open: { path, key } } satisfies WriterToReader, [key.buffer]);
      });
    },
    close() {
      port.postMessage({ close: true } satisfies WriterToReader);
    },
  };
}
