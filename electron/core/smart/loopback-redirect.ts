import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VaultError } from '../errors.js';

export type Callback = { request: IncomingMessage; response: ServerResponse; url: URL };

/**
 * Where the browser comes back after sign-in (RFC 8252 §7.3): 127.0.0.1 only, on a port the OS
 * picks, for a limited time, then closed. The path is fixed because EHRs match the registered
 * redirect exactly except for the loopback port. `state` is what proves a callback belongs to this
 * sign-in: any other program on this computer can send a request to the port, so a request without
 * the right `state` is answered 400 and the listener keeps waiting for the real one.
 */
export class LoopbackRedirect {
  readonly #server: Server;
  readonly redirectUri: string;
  #waiting: ((callback: Callback) => void) | null = null;
  #state = '';
  #used = false;

  private constructor(server: Server, redirectUri: string) {
    this.#server = server;
    this.redirectUri = redirectUri;
  }

  static async open(): Promise<LoopbackRedirect> {
    const path = '/callback';
    const created: { redirect?: LoopbackRedirect } = {};
    const server = createServer((request, response) => created.redirect?.accept(request, response, path));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    created.redirect = new LoopbackRedirect(server, `http://127.0.0.1:${port}${path}`);
    return created.redirect;
  }

  private accept(request: IncomingMessage, response: ServerResponse, path: string): void {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'GET' || url.pathname !== path || this.#used || !this.#waiting) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    if (!sameSecret(url.searchParams.get('state') ?? '', this.#state)) {
      finishPage(
        response,
        false,
        'This page did not come from the sign-in PHR Vault is waiting for, so it was ignored.',
      );
      return;
    }
    this.#used = true;
    // One callback: nothing after it reaches the app, and the port is released right away.
    this.#server.close();
    this.#waiting({ request, response, url });
  }

  /** Waits for the callback carrying `state`, or fails with `sign-in-timeout`. */
  next(state: string, timeoutMs: number, signal?: AbortSignal): Promise<Callback> {
    this.#state = state;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close();
        reject(new VaultError('sign-in-timeout'));
      }, timeoutMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        this.close();
        reject(new VaultError('sign-in-failed', 'The sign-in was cancelled.'));
      });
      this.#waiting = (callback) => {
        clearTimeout(timer);
        resolve(callback);
      };
    });
  }

  close(): void {
    this.#used = true;
    this.#server.close();
    this.#server.closeIdleConnections();
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return y.length > 0 && x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The page the browser shows after the callback: the app's own message, as escaped text under a
 * CSP that allows nothing (a refusal's words came from the server, through serverWords).
 */
export function finishPage(response: ServerResponse, ok: boolean, message: string): void {
  const escaped = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  response
    .writeHead(ok ? 200 : 400, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    })
    .end(
      `<!doctype html><meta charset="utf-8"><title>PHR Vault</title>` +
        `<h1>${ok ? 'Signed in' : 'Not signed in'}</h1><p>${escaped}</p>` +
        `<p>You can close this tab and go back to PHR Vault.</p>`,
    );
}
