import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VaultError } from '../errors.js';

export type Callback = { request: IncomingMessage; response: ServerResponse; url: URL };

/**
 * Where the browser comes back after sign-in (RFC 8252 §7.3): 127.0.0.1 only, on a port the OS
 * picks, for one callback and a limited time, then closed. The path is fixed because EHRs match
 * the registered redirect exactly except for the loopback port; `state` is what proves the callback
 * belongs to this sign-in.
 */
export class LoopbackRedirect {
  readonly #server: Server;
  readonly redirectUri: string;
  #waiting: ((callback: Callback) => void) | null = null;
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
    this.#used = true;
    // One callback: nothing after it reaches the app, and the port is released right away.
    this.#server.close();
    this.#waiting({ request, response, url });
  }

  /** Waits for the browser's one callback, or fails with `sign-in-timeout`. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<Callback> {
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

/** The page the browser shows after the callback; no detail from the server is echoed into it. */
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
