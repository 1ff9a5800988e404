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
  let json: string | undefined;
  try {
    if (!nestedDeeperThan(result, MAX_REPLY_DEPTH)) json = JSON.stringify(result);
  } catch {
    // Too deep for JSON.stringify's recursion: refused below like any other too deep.
  }
  json ??= JSON.stringify({
    ok: false,
    error: { kind: 'answer-too-complex', message: userMessage('answer-too-complex') },
  });
  send({ id, json });
}

/**
 * Past the worker, a reply is cloned again (Electron's IPC to the page, where V8's deserializer
 * gave up near 3,000 levels on the main thread) and shown by recursive code; a FHIR resource is a
 * few dozen levels deep. Walked with a stack of its own, so the check itself cannot overflow.
 */
const MAX_REPLY_DEPTH = 1000;

function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
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
