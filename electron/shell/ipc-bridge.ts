import type { IpcMainInvokeEvent, WebContents } from 'electron';
import { userMessage } from '../../shared/errors.js';
import { answerFilesChannel, isFilesChannel, type FilesAnswers } from '../../shared/ipc/areas/files.js';
import { isChannel, type Result } from '../../shared/ipc/contract.js';
import { isAppUrl } from './app-origin.js';

/**
 * The decision behind every `ipcMain.handle`: who may call, and where the call goes. Electron is
 * only a type here (erased at build), so this runs in unit tests; ipc-main.ts registers it.
 */

/** What main knows about the frame that sent a request; `null` when the frame is already gone. */
export type IpcSender = {
  /** The frame's current URL. */
  url: string;
  /** The frame is the top frame of its page (not an iframe). */
  isMainFrame: boolean;
  /** The page belongs to a window this app created (not a stray or devtools webContents). */
  isOurWindow: boolean;
} | null;

/**
 * Reads the plain facts `senderAllowed` needs from Electron's event. The frame is compared by its
 * browser-global `frameTreeNodeId` because two WebFrameMain objects for one frame need not be
 * the same object.
 */
export function describeSender(
  event: IpcMainInvokeEvent,
  isOurWebContents: (contents: WebContents) => boolean,
): IpcSender {
  try {
    const frame = event.senderFrame;
    if (!frame || frame.detached) return null;
    const mainFrame = event.sender.mainFrame;
    return {
      url: frame.url,
      isMainFrame: frame.parent === null && frame.frameTreeNodeId === mainFrame.frameTreeNodeId,
      isOurWindow: isOurWebContents(event.sender),
    };
  } catch {
    // A page torn down mid-call makes these accessors throw; a sender we cannot describe is refused.
    return null;
  }
}

export type Dispatch = (channel: string, request: unknown) => Promise<Result<unknown>>;

const refused: Result<never> = {
  ok: false,
  error: { kind: 'invalid-request', message: userMessage('invalid-request') },
};

/**
 * Only the top frame of our own window, showing our own page, may reach the vault: an iframe, a
 * page that somehow navigated elsewhere, or a frame torn down mid-call is refused.
 */
export function senderAllowed(sender: IpcSender): boolean {
  return sender !== null && sender.isOurWindow && sender.isMainFrame && isAppUrl(sender.url);
}

/**
 * Checks the sender and the channel, then forwards to the core, or, for the files channels,
 * answers here in the shell (a save dialog is the shell's to show; the core has no window). The
 * core validates the request body against the contract itself, once for every transport, so it is
 * not parsed twice here; the files channels are parsed by `answerFilesChannel`. The answer is
 * always an envelope: a rejected dispatch (the worker died mid-call) becomes `internal` rather than
 * an exception whose text would cross IPC. Without `files`, those channels are refused.
 */
export async function routeInvoke(
  sender: IpcSender,
  channel: unknown,
  request: unknown,
  dispatch: Dispatch,
  files?: FilesAnswers,
): Promise<Result<unknown>> {
  // isChannel is false for the shell's own channels (a backup folder from its dialog, the machine's
  // state): they are never the page's to call.
  if (!senderAllowed(sender) || !isChannel(channel)) return refused;
  if (isFilesChannel(channel)) return files ? answerFilesChannel(channel, request, files) : refused;
  try {
    return await dispatch(channel, request);
  } catch {
    return { ok: false, error: { kind: 'internal', message: userMessage('internal') } };
  }
}
