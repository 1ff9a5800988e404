import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { fhirclient } from 'fhirclient/lib/types.js';

/**
 * fhirclient's Node adapter, set up the way a desktop app needs it: its storage is a scratch map
 * we own (its default wants express-session, and its state holds tokens in the clear, so it must
 * never outlive the sign-in except inside the vault), and public clients send their client_id
 * when refreshing.
 */
export type ClientState = fhirclient.ClientState;

// CommonJS modules with `exports.default`; require() gives the same shape under Node, Electron and
// vitest, where an ESM default import of them differs between loaders.
const require = createRequire(import.meta.url);
// Their .d.ts files are typed for a CommonJS default import, which NodeNext reads as the whole
// module, so the two constructors are described here by what this file uses of them.
type Adapter = { getSmartApi(): fhirclient.SMART };
export type FhirClient = { state: ClientState; refresh(): Promise<ClientState> };
const NodeAdapter = (
  require('fhirclient/lib/adapters/NodeAdapter.js') as { default: new (options: object) => Adapter }
).default;
// fhirclient logs token responses at debug level ("FHIR:oauth2"); whatever DEBUG says, its
// namespaces stay off in this process, so no token can reach a log.
const debug = createRequire(require.resolve('fhirclient'))('debug') as {
  disable(): string;
  enable(namespaces: string): void;
};
debug.enable([debug.disable(), '-FHIR*'].filter(Boolean).join(','));

const Client = (
  require('fhirclient/lib/Client.js') as { default: new (env: Adapter, state: ClientState) => FhirClient }
).default;

export class ScratchStorage implements fhirclient.Storage {
  readonly #items = new Map<string, unknown>();
  async get(key: string): Promise<unknown> {
    return this.#items.get(key);
  }
  async set(key: string, value: unknown): Promise<unknown> {
    this.#items.set(key, value);
    return value;
  }
  async unset(key: string): Promise<boolean> {
    return this.#items.delete(key);
  }
}

/** The adapter reads the "current URL" from a request; outside a callback, a stand-in serves. */
function standInRequest(): IncomingMessage {
  return { url: '/', headers: { host: '127.0.0.1' }, socket: {} } as unknown as IncomingMessage;
}
function standInResponse(): ServerResponse {
  return {
    writeHead: () => {
      throw new Error('fhirclient tried to redirect; PHR Vault opens the browser itself');
    },
  } as unknown as ServerResponse;
}

export function smartApi(
  storage: ScratchStorage,
  request: IncomingMessage = standInRequest(),
  response: ServerResponse = standInResponse(),
): fhirclient.SMART {
  const adapter = new NodeAdapter({
    request,
    response,
    storage,
    refreshTokenWithClientId: true,
  });
  return adapter.getSmartApi();
}

/** A fhirclient Client over a copy of stored state, so its mutations never touch what is stored. */
export function clientFor(state: ClientState): FhirClient {
  const adapter = new NodeAdapter({
    request: standInRequest(),
    response: standInResponse(),
    storage: new ScratchStorage(),
    refreshTokenWithClientId: true,
  });
  return new Client(adapter, structuredClone(state));
}
