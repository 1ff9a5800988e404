import { BrowserWindow, shell, type WebContents } from 'electron';
import { APP_ENTRY_URL, isAppUrl } from './app-origin.js';
import { externalLinkTarget } from './external-links.js';

/**
 * Deny-by-default rules for every webContents the app ever gets (main.ts applies them from
 * `web-contents-created`, so a contents nobody planned for is covered too). The renderer shows
 * records; it has no reason to go anywhere, open anything or embed anything.
 */
export function guardWebContents(contents: WebContents): void {
  const stayHome = (event: { url: string; preventDefault(): void }) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  };
  // will-navigate covers the top frame only; will-frame-navigate also covers iframes, which the
  // CSP already forbids. A server-side redirect is checked on its own, since it changes the target.
  contents.on('will-navigate', stayHome);
  contents.on('will-frame-navigate', stayHome);
  contents.on('will-redirect', stayHome);

  // No <webview>: the tag is off in webPreferences, and an attach attempt is refused anyway.
  contents.on('will-attach-webview', (event) => event.preventDefault());

  // No second windows. A link meant for the outside world (a patient portal, a hospital's
  // site) opens in the person's own browser, and only if it is a plain https URL.
  contents.setWindowOpenHandler(({ url }) => {
    const target = externalLinkTarget(url);
    if (target) {
      shell
        .openExternal(target)
        .catch(() => console.error('phr-vault: could not open a link in the browser'));
    }
    return { action: 'deny' };
  });
}

export type MainWindowOptions = { preload: string; devTools: boolean };

export function createMainWindow({ preload, devTools }: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 820,
    minWidth: 720,
    minHeight: 520,
    title: 'PHR Vault',
    // Shown once painted, so the person never sees a white flash before the first screen.
    show: false,
    backgroundColor: '#f4f7f6',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      // Chromium's spellchecker downloads dictionaries from Google on Windows and Linux; the app
      // promises no network traffic of its own, and record text is not worth correcting.
      spellcheck: false,
      devTools,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.loadURL(APP_ENTRY_URL).catch(() => console.error('phr-vault: the window could not load the app'));
  return window;
}

/** Brings the existing window forward, as a second launch or a dock click expects. */
export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
