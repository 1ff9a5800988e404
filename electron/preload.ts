import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { userMessage } from '../shared/errors.js';
import { channels, eventNames, type VaultBridge } from '../shared/ipc/contract.js';

/**
 * The page's only way out: `window.vault`, with exactly the contract's channels and events. A
 * sandboxed preload may require nothing but 'electron', so this file is bundled to CommonJS
 * (electron/preload.vite.config.ts) with the contract inlined.
 *
 * Nothing Electron-shaped crosses: not ipcRenderer, not the IPC event (its `sender` is
 * ipcRenderer itself), only the payload.
 */

// Dropped files reach main only through dropFiles, with paths Electron gives for them: a page
// that could send this channel itself could name any path.
const DROP_CHANNEL = 'files.dropImportFiles';
const knownChannels = new Set<string>(channels.filter((c) => c !== DROP_CHANNEL));
const knownEvents = new Set<string>(eventNames);

const bridge: VaultBridge = {
  invoke(channel, request) {
    // Main refuses unknown channels too; refusing here keeps a typo from even reaching IPC.
    if (typeof channel !== 'string' || !knownChannels.has(channel)) {
      return Promise.resolve({
        ok: false,
        error: { kind: 'invalid-request', message: userMessage('invalid-request') },
      });
    }
    return ipcRenderer.invoke(channel, request);
  },
  dropFiles(files) {
    // A File the page made itself has no path (''): only files really dropped are handed on.
    const paths = [...files].map((file) => webUtils.getPathForFile(file)).filter((path) => path !== '');
    if (paths.length === 0) return Promise.resolve({ ok: true, value: { files: [] } });
    return ipcRenderer.invoke(DROP_CHANNEL, { paths });
  },
  on(event, listener) {
    if (typeof event !== 'string' || !knownEvents.has(event)) {
      throw new TypeError(`Unknown vault event: ${String(event)}`);
    }
    if (typeof listener !== 'function') throw new TypeError('A vault event listener must be a function');
    const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(event, forward);
    return () => {
      ipcRenderer.removeListener(event, forward);
    };
  },
};

contextBridge.exposeInMainWorld('vault', bridge);
