import { isErrorKind, userMessage, type ErrorKind } from '../../../shared/errors.js';
import type {
  Channel,
  EventName,
  EventOf,
  RequestOf,
  ResponseOf,
  Result,
  VaultBridge,
} from '../../../shared/ipc/contract.js';
import { HOST_SOCKET_PATH, type WireMessage, type WireRequest } from '../../../shared/ipc/wire.js';

/** A failure the core explained: `message` is already written for the person using the app. */
export class ApiError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The words to show for anything a call threw, typed or not. */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : userMessage('internal');
}

type Listener = (payload: unknown) => void;

/**
 * The browser transport to the test host. The token arrives in the URL fragment (never sent to a
 * server, never in logs) and is taken out of the address bar at once so it stays out of history,
 * screenshots and bookmarks; it lives only in this closure from then on.
 */
function hostSocketBridge(): VaultBridge {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);

  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<EventName, Set<Listener>>();
  let nextId = 1;
  let socket: Promise<WebSocket> | null = null;

  // Only this transport knows these failures, so its words live here rather than in shared/errors.
  const lost = (message: string): Result<never> => ({ ok: false, error: { kind: 'internal', message } });

  function connect(): Promise<WebSocket> {
    if (socket) return socket;
    const url = `ws://${location.host}${HOST_SOCKET_PATH}?token=${encodeURIComponent(token ?? '')}`;
    const opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.addEventListener('open', () => resolve(ws));
      ws.addEventListener('message', (message) => {
        const data = JSON.parse(String(message.data)) as WireMessage;
        if ('event' in data) {
          for (const listener of listeners.get(data.event) ?? []) listener(data.payload);
        } else {
          pending.get(data.id)?.(data.result);
          pending.delete(data.id);
        }
      });
      ws.addEventListener('close', () => {
        // The next call opens a new socket: the host may have been restarted with the same token.
        socket = null;
        reject(new Error('closed'));
        for (const settle of pending.values())
          settle(lost('The connection to your vault was lost. Your records are safe; try again.'));
        pending.clear();
      });
    });
    socket = opening;
    opening.catch(() => undefined);
    return opening;
  }

  return {
    async invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>> {
      if (!token) return lost('This page was opened without its key. Close it and start PHR Vault again.');
      let ws: WebSocket;
      try {
        ws = await connect();
      } catch {
        return lost('PHR Vault could not reach your vault. Check that it is still running, then try again.');
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (result: Result<unknown>) => void);
        ws.send(JSON.stringify({ id, channel, request } satisfies WireRequest));
      });
    },
    dropFiles(files) {
      // A browser tells a dropped file's name only: the host finds it in its folder of files to import.
      return this.invoke('files.dropImportFiles', { paths: files.map((file) => file.name) });
    },
    on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set<Listener>();
      listeners.set(event, set);
      set.add(listener as Listener);
      // Events only flow on an open socket, so listening is a reason to connect.
      if (token) void connect().catch(() => undefined);
      return () => set.delete(listener as Listener);
    },
  };
}

// Electron's preload provides window.vault; anything else is the test host in a plain browser.
const bridge: VaultBridge = window.vault ?? hostSocketBridge();

export const api = {
  /** The response value, or an ApiError carrying the core's kind and words. */
  async call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const result = await bridge.invoke(channel, request);
    if (result.ok) return result.value;
    const kind = isErrorKind(result.error.kind) ? result.error.kind : 'internal';
    throw new ApiError(kind, result.error.message || userMessage(kind));
  },

  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void {
    return bridge.on(event, listener);
  },

  /** Files dropped onto the window, handed to the core; the page gets a token and a name for each. */
  async dropFiles(files: readonly File[]): Promise<ResponseOf<'files.dropImportFiles'>> {
    const result = await bridge.dropFiles(files);
    if (result.ok) return result.value;
    const kind = isErrorKind(result.error.kind) ? result.error.kind : 'internal';
    throw new ApiError(kind, result.error.message || userMessage(kind));
  },
};
