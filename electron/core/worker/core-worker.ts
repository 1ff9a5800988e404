import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { WireRequest } from '../../../shared/ipc/wire.js';
import { userMessage } from '../../../shared/errors.js';
import { VaultService, type ServiceOptions } from '../api.js';
import type { KeychainPort } from '../vault/keychain.js';
import type { KeychainAnswer, KeychainCall, WorkerMessage } from './core-client.js';
import { readersOver } from './read-worker-client.js';
import { replyJson } from './reply.js';

/** What the client hands the writer: the service's options and, in the app, the read worker's port. */
export type CoreWorkerData = { options: ServiceOptions; readers: MessagePort | null; keychain: boolean };

/**
 * The core in its own thread: SQLite queries, scrypt and JSON parsing never block the thread that
 * drives windows (Electron's main) or sockets (the host). It is the vault's one writer; the read
 * worker (read-worker.ts) answers what only reads, on a connection this thread opens for it.
 */
if (!parentPort) throw new Error('core-worker must run as a worker thread');
const port = parentPort;
const data = workerData as CoreWorkerData;
const send = (message: WorkerMessage) => port.postMessage(message);

/** The keychain lives in the parent (Electron's main): each call goes there and back. */
const keychainCalls = new Map<number, (answer: KeychainAnswer) => void>();
let nextKeychainCall = 1;
function askParent(call: KeychainCall['call'], arg?: string): Promise<string | boolean> {
  const id = nextKeychainCall++;
  return new Promise((resolve, reject) => {
    keychainCalls.set(id, (answer) => (answer.ok ? resolve(answer.value) : reject(new Error('keychain'))));
    send({ keychain: { id, call, ...(arg === undefined ? {} : { arg }) } });
  });
}
const keychain: KeychainPort = {
  getSelectedStorageBackend: async () => String(await askParent('getSelectedStorageBackend')),
  isEncryptionAvailable: async () => (await askParent('isEncryptionAvailable')) === true,
  encryptString: async (text) => Buffer.from(String(await askParent('encryptString', text)), 'base64'),
  decryptString: async (blob) => String(await askParent('decryptString', blob.toString('base64'))),
};
const service = new VaultService({
  ...data.options,
  ...(data.readers ? { readers: readersOver(data.readers) } : {}),
  ...(data.keychain ? { keychain } : {}),
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

port.on('message', (message: WireRequest | { close: true } | { keychainAnswer: KeychainAnswer }) => {
  if ('keychainAnswer' in message) {
    const settle = keychainCalls.get(message.keychainAnswer.id);
    keychainCalls.delete(message.keychainAnswer.id);
    settle?.(message.keychainAnswer);
    return;
  }
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
