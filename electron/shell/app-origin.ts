/**
 * The renderer's one origin. The page is served from a privileged custom scheme instead of
 * file://, so it has a real origin to check IPC senders and navigations against, and a file://
 * page's reach over the whole disk never exists.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'vault';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Whether `url` is on the app's origin. Node's WHATWG URL gives custom schemes an opaque origin
 * ("null"), so the parts are compared instead of `url.origin`. Anything unusual (credentials, a
 * port, a differently spelt host) fails closed: Chromium would never produce it for our pages.
 */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` &&
    parsed.host === APP_HOST &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

const OUTBOUND_PROTOCOLS = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);

/**
 * A request from a page that would reach the network or the disk outside the app's own origin.
 * The CSP already forbids these; main.ts also cancels them in the session, so a CSP mistake alone
 * cannot leak a record to a server. Internal schemes (data:, blob:, devtools:) are left alone.
 */
export function isOutboundRequest(url: string): boolean {
  try {
    return OUTBOUND_PROTOCOLS.has(new URL(url).protocol);
  } catch {
    return false;
  }
}
