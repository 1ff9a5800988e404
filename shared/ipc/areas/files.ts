import { z } from 'zod';
import { userMessage } from '../../errors.js';
import { ExportPreview, ExportRequest } from './export.js';
import { ChosenFile, MAX_FILES_CHOSEN } from './imports.js';
// Types only: the contract imports this file at run time, not the other way round.
import type { Failure, Result } from '../contract.js';

/**
 * Files the person keeps outside the vault: an export saved where they chose. These channels are
 * answered by the transport (Electron's main process with its own save dialog, or the test host
 * with its downloads folder), never by the core: the core has no window to ask from, and a path
 * chosen by the renderer would let a compromised page write anywhere the user can.
 */
export const filesChannels = {
  'files.saveDocument': {
    request: z
      .object({
        /** Offered in the dialog as the name; only its last segment is ever used, sanitised. */
        suggestedName: z.string().min(1).max(255),
        mimeType: z.string().min(1).max(100),
        contentBase64: z.base64().max(200 * 1024 * 1024),
      })
      .strict(),
    /** `saved: false` when the person cancelled the dialog; `fileName` is the name it was saved under. */
    response: z.object({ saved: z.boolean(), fileName: z.string().nullable() }),
  },
  /**
   * Exports a document for a person: the shell asks where in its own save dialog (the test host
   * answers with its downloads folder) and the core writes it there. The page gets back what was
   * saved (its name, its size, what it holds and what was left out), never the bytes.
   */
  'files.saveExport': {
    request: ExportRequest,
    /** `saved: false` when the person cancelled the dialog: nothing was made or written. */
    response: z.discriminatedUnion('saved', [
      z.object({ saved: z.literal(false) }),
      ExportPreview.extend({
        saved: z.literal(true),
        fileName: z.string(),
        bytes: z.number().int().nonnegative(),
      }),
    ]),
  },
  /**
   * Where backups go: the shell asks in its own folder dialog (the test host has the folder it was
   * started with) and hands the choice to the core; the page never names a folder.
   */
  'files.chooseBackupFolder': {
    request: z.object({}).strict(),
    /** `chosen: false` when the person cancelled the dialog. */
    response: z.object({ chosen: z.boolean() }),
  },
  /** A backup file to restore from, picked in the shell's open dialog and handed to the core. */
  'files.chooseBackupFile': {
    request: z.object({}).strict(),
    response: z.object({ chosen: z.boolean() }),
  },
  /**
   * Files to import, picked in the shell's open dialog (the test host answers with the files in the
   * folder it was started with) and handed to the core, which reads them from disk; the page gets
   * a token and a name per file. None when the person cancelled.
   */
  'files.chooseImportFiles': {
    request: z.object({}).strict(),
    response: z.object({ files: z.array(ChosenFile) }),
  },
  /**
   * Files dropped onto the window. In Electron only the preload sends this, with the paths Electron
   * gives for the dropped files (webUtils.getPathForFile), never the page; the test host takes
   * names and looks for them in its folder of files to import.
   */
  'files.dropImportFiles': {
    request: z.object({ paths: z.array(z.string().min(1).max(4096)).min(1).max(MAX_FILES_CHOSEN) }).strict(),
    response: z.object({ files: z.array(ChosenFile) }),
  },
} as const;

export type FilesChannel = keyof typeof filesChannels;

export function isFilesChannel(channel: unknown): channel is FilesChannel {
  return typeof channel === 'string' && Object.hasOwn(filesChannels, channel);
}

/** How a transport answers the files channels: one function per channel, over the parsed request. */
export type FilesAnswers = {
  [C in FilesChannel]: (
    request: z.output<(typeof filesChannels)[C]['request']>,
  ) => Promise<z.output<(typeof filesChannels)[C]['response']>>;
};

/**
 * The same envelope the core gives, for the channels a transport answers itself: the request is
 * checked against the contract (the core is not there to do it), and no error text, path or stack
 * crosses. A failure of the disk (it has an errno code: full, read-only, no permission) is the
 * person's to fix by choosing another place; anything else is ours.
 */
export async function answerFilesChannel(
  channel: FilesChannel,
  request: unknown,
  answers: FilesAnswers,
): Promise<Result<unknown>> {
  const parsed = filesChannels[channel].request.safeParse(request ?? {});
  if (!parsed.success) {
    return { ok: false, error: { kind: 'invalid-request', message: userMessage('invalid-request') } };
  }
  try {
    // Each answer takes its own channel's parsed request; TypeScript cannot follow that through the union.
    const answer = answers[channel] as (request: unknown) => Promise<unknown>;
    return { ok: true, value: await answer(parsed.data) };
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof RefusedByCore) return { ok: false, error: error.failure };
    if (error instanceof SaveRefused)
      return { ok: false, error: { kind: 'save-failed', message: error.message } };
    if (typeof code === 'string') {
      return { ok: false, error: { kind: 'save-failed', message: userMessage('save-failed') } };
    }
    return { ok: false, error: { kind: 'internal', message: userMessage('internal') } };
  }
}

/** A transport that will not save at all, saying why in words for the person. */
export class SaveRefused extends Error {
  constructor(detail: string) {
    super(userMessage('save-failed', detail));
    this.name = 'SaveRefused';
  }
}

/** The core's own refusal of what the transport handed it, passed on to the page as it is. */
export class RefusedByCore extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
    this.name = 'RefusedByCore';
  }
}

/**
 * The transports' answer to `files.chooseBackupFolder` once they have a folder (from the dialog,
 * or the test host's `--backups`): the core checks it and keeps it; its refusal reaches the page.
 */
export async function handFolderToCore(
  folder: string | null,
  dispatch: (channel: 'backups.useFolder', request: { folder: string }) => Promise<Result<unknown>>,
): Promise<{ chosen: boolean }> {
  if (!folder) return { chosen: false };
  const answer = await dispatch('backups.useFolder', { folder });
  if (!answer.ok) throw new RefusedByCore(answer.error);
  return { chosen: true };
}

/** The same for a backup file to restore from. */
export async function handBackupFileToCore(
  path: string | null,
  dispatch: (channel: 'restore.useFile', request: { path: string }) => Promise<Result<unknown>>,
): Promise<{ chosen: boolean }> {
  if (!path) return { chosen: false };
  const answer = await dispatch('restore.useFile', { path });
  if (!answer.ok) throw new RefusedByCore(answer.error);
  return { chosen: true };
}

/**
 * The transports' answer to `files.saveExport`: the core names the file, the shell asks where
 * (`choosePath` gets the suggested name and media type, and answers null when the person
 * cancelled), and the core writes it there. The core's refusal (nothing to export, a full disk)
 * reaches the page as it is.
 */
export async function saveExportThroughCore(
  request: z.output<typeof ExportRequest>,
  choosePath: (suggestion: { fileName: string; mediaType: string }) => Promise<string | null>,
  dispatch: (channel: 'export.suggestion' | 'export.toFile', request: unknown) => Promise<Result<unknown>>,
): Promise<z.output<(typeof filesChannels)['files.saveExport']['response']>> {
  const suggestion = await dispatch('export.suggestion', request);
  if (!suggestion.ok) throw new RefusedByCore(suggestion.error);
  const path = await choosePath(suggestion.value as { fileName: string; mediaType: string });
  if (!path) return { saved: false };
  const written = await dispatch('export.toFile', { ...request, path });
  if (!written.ok) throw new RefusedByCore(written.error);
  return {
    saved: true,
    ...(written.value as z.output<typeof ExportPreview> & { fileName: string; bytes: number }),
  };
}

/** The same for files to import: the core answers a token per file. */
export async function handImportFilesToCore(
  paths: readonly string[],
  dispatch: (channel: 'imports.useFiles', request: { paths: string[] }) => Promise<Result<unknown>>,
): Promise<{ files: ChosenFile[] }> {
  if (paths.length === 0) return { files: [] };
  const answer = await dispatch('imports.useFiles', { paths: [...paths] });
  if (!answer.ok) throw new RefusedByCore(answer.error);
  return answer.value as { files: ChosenFile[] };
}

/** What the save dialog filters by, per media type the exports produce. */
const documentKinds: { mimeTypes: string[]; name: string; extensions: string[] }[] = [
  { mimeTypes: ['application/xml', 'text/xml'], name: 'C-CDA document (XML)', extensions: ['xml'] },
  { mimeTypes: ['application/fhir+json', 'application/json'], name: 'FHIR (JSON)', extensions: ['json'] },
  { mimeTypes: ['application/pdf'], name: 'PDF document', extensions: ['pdf'] },
  // The recovery code's sheet, saved beside a printout or instead of one.
  { mimeTypes: ['text/plain'], name: 'Text', extensions: ['txt'] },
];

export function documentKindOf(mimeType: string): { name: string; extensions: string[] } | null {
  const bare = mimeType.split(';')[0]!.trim().toLowerCase();
  const kind = documentKinds.find((k) => k.mimeTypes.includes(bare));
  return kind ? { name: kind.name, extensions: kind.extensions } : null;
}

// Names Windows keeps for devices: a file called "CON.xml" cannot be opened there.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;
const MAX_NAME = 120;

/**
 * A file name safe to create in a folder the person chose: the last segment of what was
 * suggested (either slash), without control characters or characters Windows and macOS refuse,
 * never "." or "..", never a device name, at most 120 characters with its extension kept, and
 * with the extension the media type calls for when it had none.
 */
export function safeDocumentName(suggested: string, mimeType: string): string {
  const last = suggested.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  let name = last.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[\s.]+|[\s.]+$/g, '');
  const kind = documentKindOf(mimeType);
  const wanted = kind?.extensions[0];
  if (!name) name = 'health-records';
  if (wanted && !name.toLowerCase().endsWith(`.${wanted}`)) name = `${name}.${wanted}`;
  if (WINDOWS_DEVICE.test(name)) name = `_${name}`;
  if (name.length > MAX_NAME) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
    name = name.slice(0, MAX_NAME - extension.length) + extension;
  }
  return name;
}
