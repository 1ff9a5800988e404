import { isAppUrl } from './app-origin.js';

/**
 * The one web permission the app grants: writing sanitized text to the clipboard, so "Copy code"
 * on the recovery-code screen works (Chromium asks the session for `clipboard-sanitized-write`
 * before `navigator.clipboard.writeText`, and a denial fails silently in the page). Only for the
 * top frame of our own page; Chromium still demands a user gesture for each write. Reading the
 * clipboard, and everything else (camera, microphone, notifications, geolocation, USB, ...),
 * stays refused: the page shows records and needs none of it.
 */
export function permissionGranted(
  permission: string,
  requestingUrl: string | undefined,
  isMainFrame: boolean,
): boolean {
  return permission === 'clipboard-sanitized-write' && isMainFrame && isAppUrl(requestingUrl);
}
