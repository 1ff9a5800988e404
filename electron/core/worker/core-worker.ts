import { parentPort, workerData } from 'node:worker_threads';
import type { WireMessage, WireRequest } from '../../../shared/ipc/wire.js';
import { VaultService, type ServiceOptions } from '../api.js';
import { setSystemBrowser } from '../smart/system-browser.js';

/**
 * The core in its own thread: SQLite queries, scrypt and JSON parsing never block the thread that
 * drives windows (Electron's main) or sockets (the host).
 */
if (!parentPort) throw new Error('core-worker must run as a worker thread');
const port = parentPort;
const service = new VaultService(workerData as ServiceOptions);

service.on((event, payload) => port.postMessage({ event, payload } satisfies WireMessage));
// Only the parent (Electron's main) can open the system browser for a SMART sign-in.
setSystemBrowser((url) => port.postMessage({ openBrowser: url }));

port.on('message', (message: WireRequest | { close: true }) => {
  if ('close' in message) {
    service.close();
    port.close();
    return;
  }
  void service.dispatch(message.channel, message.request).then((result) => {
    port.postMessage({ id: message.id, result } satisfies WireMessage);
  });
});
