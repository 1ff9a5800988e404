import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { contentSecurityPolicy } from '../../shared/csp.js';
import { APP_HOST, APP_SCHEME } from './app-origin.js';

/**
 * Serving the built renderer on app://vault/. Kept free of Electron so the path checks run as
 * plain unit tests; main.ts hands `serveAppRequest` to `protocol.handle`.
 */

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export type AppRequestPlan =
  { status: 200; file: string; contentType: string } | { status: 400 | 404 | 405; reason: string };

/**
 * Maps a request to a file under `root`, or to the reason it is refused. The URL parser already
 * folds `..` segments, but percent-encoded separators (`..%2f`), backslashes (a separator on
 * Windows) and NUL survive it, so the decoded path is checked again after resolving.
 */
export function planAppRequest(root: string, url: string, method: string): AppRequestPlan {
  if (method !== 'GET' && method !== 'HEAD') return { status: 405, reason: 'method' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: 400, reason: 'url' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST)
    return { status: 404, reason: 'host' };

  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return { status: 400, reason: 'encoding' };
  }
  if (path.includes('\0') || path.includes('\\')) return { status: 400, reason: 'characters' };
  if (path === '' || path.endsWith('/')) path += 'index.html';

  const base = resolve(root);
  const file = resolve(base, `.${path}`);
  const inside = relative(base, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || inside.split(sep).includes('..')) {
    return { status: 404, reason: 'outside' };
  }
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  // Only the kinds of file a Vite build emits; anything else under dist/renderer is not ours to serve.
  if (!contentType) return { status: 404, reason: 'type' };
  return { status: 200, file, contentType };
}

/** Headers for every response, errors included, so no app:// document ever lacks the CSP. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

export async function serveAppRequest(root: string, request: Request): Promise<Response> {
  const plan = planAppRequest(root, request.url, request.method);
  if (plan.status !== 200) {
    return new Response(null, {
      status: plan.status,
      headers: appResponseHeaders('text/plain; charset=utf-8'),
    });
  }
  let body: Buffer;
  try {
    body = await readFile(plan.file);
  } catch {
    return new Response(null, { status: 404, headers: appResponseHeaders('text/plain; charset=utf-8') });
  }
  const headers = appResponseHeaders(plan.contentType);
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
}
