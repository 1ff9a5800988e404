import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WireMessage, WireRequest } from '../../../shared/ipc/wire.js';
import { VaultService, type ServiceOptions } from '../api.js';
import { setSystemBrowser } from '../smart/system-browser.js';
import { readersOver } from './read-worker-client.js';

/** What the client hands the writer: the service's options and, in the app, the read worker's port. */
export type CoreWorkerData = { options: ServiceOptions; readers: MessagePort | null };

/**
 * The core in its own thread: SQLite queries, scrypt and JSON parsing never block the thread that
 * drives windows (Electron's main) or sockets (the host).
 */
if (!parentPort) throw new Error('core-worker must run as a worker thread');
const port = parentPort;
const data = workerData as CoreWorkerData;
const service = new VaultService({
  ...data.options,
  ...(data.readers ? { readers: readersOver(data.readers) } : {}),
});

service.on((event, payload) => port.postMessage({ event, payload } satisfies WireMessage));
// Only the parent (Electron's main) can open the system browser for a SMART sign-in.
setSystemBrowser((url) => port.postMessage({ openBrowser: url }));

port.on('message', (message: WireRequest | { close: true }) => {
  if ('close' in message) {
    service.close();
    data.readers?.close();
    port.close();
    return;
  }
  void service.dispatch(message.channel, message.request).then((result) => {
    port.postMessage({ id: message.id, result } satisfies WireMessage);
  });
});
