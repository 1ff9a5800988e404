import { protocol, type Session } from 'electron';
import { APP_SCHEME, isOutboundRequest } from './app-origin.js';
import { serveAppRequest } from './app-protocol.js';
import { permissionGranted } from './permissions.js';

/**
 * Must run before `ready`, once. `standard` gives app://vault a real origin (relative URLs,
 * storage, a checkable sender origin); `secure` makes it a secure context like https;
 * `supportFetchAPI` follows Electron's own app:// example. Not granted on purpose: `bypassCSP`
 * (the CSP is the point), `corsEnabled` (it would let other origins read app:// responses),
 * `allowServiceWorkers` and `stream` (nothing needs them).
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * The session the window uses: pages come only from the built renderer, and everything a web page
 * could ask the browser for (camera, notifications, geolocation, USB, downloads, the network) is
 * refused, except the clipboard write described in permissions.ts. Main's own `net.fetch` would
 * go through this session too and be cancelled: network code belongs in the core, on Node's fetch.
 */
export function lockDownSession(session: Session, rendererRoot: string): void {
  session.protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererRoot, request));

  // Both handlers: Chromium checks a permission first and only asks when the check says no.
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(permissionGranted(permission, details.requestingUrl, details.isMainFrame)),
  );
  session.setPermissionCheckHandler((_contents, permission, _origin, details) =>
    permissionGranted(permission, details.requestingUrl, details.isMainFrame),
  );
  session.setDevicePermissionHandler(() => false);

  // Exports are written by main through a save dialog, never by the page as a download.
  session.on('will-download', (event) => event.preventDefault());

  session.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: isOutboundRequest(details.url) }),
  );
}
