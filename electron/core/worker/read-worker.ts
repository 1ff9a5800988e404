import { parentPort, type MessagePort } from 'node:worker_threads';
import { dispatchTo } from '../service/dispatch.js';
import { readHandlers, WriterNeeded } from '../service/read-handlers.js';
import { openReadConnection, type ReadableDB } from '../vault/database.js';
import { replyJson } from './reply.js';

/**
 * The read worker: its own connection to the unlocked vault, answering only the read channels, so
 * the timeline, the Summary and trends stay quick while the writer (core-worker.ts) imports, syncs
 * or exports. The writer opens and closes it through a port of their own (the data key never
 * passes through the thread that drives windows); whatever it cannot answer it hands back to the
 * client, which asks the writer.
 */
export type ReadWorkerRequest = { id: number; channel: string; request: unknown };
/** A reply as JSON text (see reply.ts), or a request handed back for the writer to answer. */
export type ReadWorkerReply = { id: number; json: string } | { id: number; handOver: true };
/** From the client: a request, a (re)started writer's port, or the end. */
export type ToReadWorker = ReadWorkerRequest | { attach: MessagePort } | { close: true };
export type WriterToReader = { open: { path: string; key: Uint8Array } } | { close: true };
export type ReaderToWriter = { opened: boolean };

if (!parentPort) throw new Error('read-worker must run as a worker thread');
const parent = parentPort;
let writer: MessagePort | null = null;
let db: ReadableDB | null = null;

function close(): void {
  db?.close();
  db = null;
}

function listenTo(port: MessagePort): void {
  // A new writer (the first, or one restarted after the last died) is the only one listened to.
  writer?.close();
  close();
  writer = port;
  port.on('message', (message: WriterToReader) => {
    if (port !== writer) return;
    if ('close' in message) {
      close();
      return;
    }
    close();
    try {
      db = openReadConnection(message.open.path, Buffer.from(message.open.key.buffer));
      port.postMessage({ opened: true } satisfies ReaderToWriter);
    } catch (error) {
      // The writer answers reads until the next unlock; nothing about the key is logged.
      console.error(
        `phr-vault: read connection not opened (${error instanceof Error ? error.name : 'error'})`,
      );
      port.postMessage({ opened: false } satisfies ReaderToWriter);
    }
  });
}

const handlers = readHandlers(
  () => {
    if (!db) throw new WriterNeeded();
    return db;
  },
  () => {
    throw new WriterNeeded();
  },
);

parent.on('message', (message: ToReadWorker) => {
  if ('attach' in message) {
    listenTo(message.attach);
    return;
  }
  if ('close' in message) {
    close();
    writer?.close();
    parent.close();
    return;
  }
  const { id } = message;
  dispatchTo(handlers, message.channel, message.request).then(
    (result) => parent.postMessage({ id, json: replyJson(result) } satisfies ReadWorkerReply),
    () => parent.postMessage({ id, handOver: true } satisfies ReadWorkerReply),
  );
});
