import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { fhirclient } from 'fhirclient/lib/types.js';

/**
 * fhirclient's Node adapter, set up the way a desktop app needs it: its storage is a scratch map
 * we own (its default wants express-session, and its state holds tokens in the clear, so it must
 * never outlive the sign-in except inside the vault). It builds the authorize address (discovery,
 * PKCE, state); the token requests are the app's own (token-endpoint.ts), which follow no redirect.
 */
export type ClientState = fhirclient.ClientState;

// CommonJS modules with `exports.default`; require() gives the same shape under Node, Electron and
// vitest, where an ESM default import of them differs between loaders.
const require = createRequire(import.meta.url);
// Its .d.ts files are typed for a CommonJS default import, which NodeNext reads as the whole
// module, so the adapter is described here by what this file uses of it.
type Adapter = { getSmartApi(): fhirclient.SMART };
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

export function smartApi(storage: ScratchStorage): fhirclient.SMART {
  const adapter = new NodeAdapter({ request: standInRequest(), response: standInResponse(), storage });
  return adapter.getSmartApi();
}
