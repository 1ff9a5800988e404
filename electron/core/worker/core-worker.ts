import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WireRequest } from '../../../shared/ipc/wire.js';
import { userMessage } from '../../../shared/errors.js';
import { VaultService, type ServiceOptions } from '../api.js';
import type { WorkerMessage } from './core-client.js';
import { readersOver } from './read-worker-client.js';
import { replyJson } from './reply.js';

/** What the client hands the writer: the service's options and, in the app, the read worker's port. */
export type CoreWorkerData = { options: ServiceOptions; readers: MessagePort | null };

/**
 * The core in its own thread: SQLite queries, scrypt and JSON parsing never block the thread that
 * drives windows (Electron's main) or sockets (the host). It is the vault's one writer; the read
 * worker (read-worker.ts) answers what only reads, on a connection this thread opens for it.
 */
if (!parentPort) throw new Error('core-worker must run as a worker thread');
const port = parentPort;
const data = workerData as CoreWorkerData;
const send = (message: WorkerMessage) => port.postMessage(message);
const service = new VaultService({
  ...data.options,
  ...(data.readers ? { readers: readersOver(data.readers) } : {}),
  // Only the parent (Electron's main) can open the system browser for a SMART sign-in.
  openBrowser: (url) => send({ openBrowser: url }),
});

service.on((event, payload) => {
  try {
    send({ event, payload });
  } catch {
    // An event the thread cannot carry is dropped; the next request reads the state afresh.
  }
});

/** Every request is answered, whatever its result holds (reply.ts). */
function answer(id: number, result: unknown): void {
  send({ id, json: replyJson(result) });
}

port.on('message', (message: WireRequest | { close: true }) => {
  if ('close' in message) {
    service.close();
    data.readers?.close();
    port.close();
    return;
  }
  void service.dispatch(message.channel, message.request).then(
    (result) => answer(message.id, result),
    () => answer(message.id, { ok: false, error: { kind: 'internal', message: userMessage('internal') } }),
  );
});
