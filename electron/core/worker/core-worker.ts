import { parentPort, workerData } from 'node:worker_threads';
import type { WireRequest } from '../../../shared/ipc/wire.js';
import { userMessage } from '../../../shared/errors.js';
import { VaultService, type ServiceOptions } from '../api.js';
import type { WorkerMessage } from './core-client.js';

/**
 * The core in its own thread: SQLite queries, scrypt and JSON parsing never block the thread that
 * drives windows (Electron's main) or sockets (the host).
 */
if (!parentPort) throw new Error('core-worker must run as a worker thread');
const port = parentPort;
const send = (message: WorkerMessage) => port.postMessage(message);
const service = new VaultService({
  ...(workerData as ServiceOptions),
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

/**
 * Every request is answered, whatever its result holds. A reply crosses as JSON text: the
 * structured clone behind postMessage fails on a deeply nested record, here (throwing, which once
 * ended the thread) or, worse, on the receiving side (`messageerror`, with no request id, so the
 * call never resolved). JSON.stringify fails here, where the request is known, and JSON.parse on
 * the other side reads any depth it wrote.
 */
function answer(id: number, result: unknown): void {
  let json: string;
  try {
    json = JSON.stringify(result);
  } catch {
    json = JSON.stringify({
      ok: false,
      error: { kind: 'answer-too-complex', message: userMessage('answer-too-complex') },
    });
  }
  send({ id, json });
}

port.on('message', (message: WireRequest | { close: true }) => {
  if ('close' in message) {
    service.close();
    port.close();
    return;
  }
  void service.dispatch(message.channel, message.request).then(
    (result) => answer(message.id, result),
    () => answer(message.id, { ok: false, error: { kind: 'internal', message: userMessage('internal') } }),
  );
});
