import { ipcMain, type WebContents } from 'electron';
import type { FilesAnswers } from '../../shared/ipc/areas/files.js';
import { channels } from '../../shared/ipc/contract.js';
import type { CoreConnection } from '../core/worker/core-client.js';
import { isAppUrl } from './app-origin.js';
import { describeSender, routeInvoke } from './ipc-bridge.js';

/**
 * The one place IPC handlers are registered: every contract channel, none other, each behind the
 * same sender check. A channel added to the contract is served here without touching this file.
 * `files` answers the files channels for the window that asked (its save dialog is modal to it).
 */
export function handle(
  core: Pick<CoreConnection, 'dispatch'>,
  isOurWebContents: (contents: WebContents) => boolean,
  files: (asking: WebContents) => FilesAnswers,
): void {
  for (const channel of channels) {
    ipcMain.handle(channel, (event, request: unknown) =>
      routeInvoke(
        describeSender(event, isOurWebContents),
        channel,
        request,
        (c, r) => core.dispatch(c, r),
        files(event.sender),
      ),
    );
  }
}

/**
 * Pushes core events (vault locked, unlocked, ...) to every window still showing our page. A
 * window cannot navigate away, but checking the URL costs nothing and keeps vault state from
 * ever reaching a foreign page.
 */
export function forwardCoreEvents(
  core: Pick<CoreConnection, 'on'>,
  windows: () => Iterable<WebContents>,
): () => void {
  return core.on((event, payload) => {
    for (const contents of windows()) {
      if (!contents.isDestroyed() && isAppUrl(contents.getURL())) contents.send(event, payload);
    }
  });
}
