import { basename, join } from 'node:path';
import { documentKindOf, safeDocumentName, saveExportThroughCore } from '../../shared/ipc/areas/files.js';
import type { ParsedRequestOf, ResponseOf, Result } from '../../shared/ipc/contract.js';
import { writePrivateFile } from '../core/exchange/private-file.js';

/**
 * Saving a document where the person chooses, in Electron: the decision part, with the dialog, the
 * disk and the core as ports so it runs in unit tests (Electron is not imported here). The folder
 * and the final name come from the person, in the OS's own dialog; an export is written by the
 * core straight to that path, so its bytes never reach the window.
 */

export type SaveDialogOptions = {
  title: string;
  defaultPath: string;
  buttonLabel: string;
  filters: { name: string; extensions: string[] }[];
};
export type SaveDialog = (options: SaveDialogOptions) => Promise<{ canceled: boolean; filePath?: string }>;

export type SaveDocumentPorts = {
  /** The user's Documents folder (app.getPath('documents')): where the dialog opens. */
  documentsFolder: string;
  showSaveDialog: SaveDialog;
  /** Writes the bytes; replaced in tests. */
  write?: (path: string, bytes: Buffer) => Promise<void>;
};

type SaveRequest = ParsedRequestOf<'files.saveDocument'>;
type SaveAnswer = ResponseOf<'files.saveDocument'>;

// The one way an export is written (the command line's too): see private-file.ts.
export { writePrivateFile };

export function saveDialogOptions(
  request: Pick<SaveRequest, 'suggestedName' | 'mimeType'>,
  documentsFolder: string,
): SaveDialogOptions {
  const kind = documentKindOf(request.mimeType);
  return {
    // Plain text is only ever the recovery code's sheet; every export is a document for a provider.
    title: kind?.extensions[0] === 'txt' ? 'Save your recovery code' : 'Save the document for your provider',
    defaultPath: join(documentsFolder, safeDocumentName(request.suggestedName, request.mimeType)),
    buttonLabel: 'Save',
    filters: [...(kind ? [kind] : []), { name: 'All files', extensions: ['*'] }],
  };
}

export async function saveDocument(request: SaveRequest, ports: SaveDocumentPorts): Promise<SaveAnswer> {
  const chosen = await ports.showSaveDialog(saveDialogOptions(request, ports.documentsFolder));
  if (chosen.canceled || !chosen.filePath) return { saved: false, fileName: null };
  await (ports.write ?? writePrivateFile)(chosen.filePath, Buffer.from(request.contentBase64, 'base64'));
  return { saved: true, fileName: basename(chosen.filePath) };
}

export type SaveExportPorts = Omit<SaveDocumentPorts, 'write'> & {
  dispatch: (channel: 'export.suggestion' | 'export.toFile', request: unknown) => Promise<Result<unknown>>;
};

/**
 * An export for the page's `files.saveExport`: the core names it, the person picks where in the
 * save dialog, and the core writes it there (export.toFile). A cancelled dialog makes nothing.
 */
export function saveExport(
  request: ParsedRequestOf<'files.saveExport'>,
  ports: SaveExportPorts,
): Promise<ResponseOf<'files.saveExport'>> {
  return saveExportThroughCore(
    request,
    async ({ fileName, mediaType }) => {
      const options = saveDialogOptions(
        { suggestedName: fileName, mimeType: mediaType },
        ports.documentsFolder,
      );
      const chosen = await ports.showSaveDialog(options);
      return chosen.canceled || !chosen.filePath ? null : chosen.filePath;
    },
    ports.dispatch,
  );
}

/**
 * The folder dialog for backups. A synced folder (iCloud Drive, OneDrive, Dropbox) is the usual
 * choice, so a copy leaves this computer; the backups stay encrypted there.
 */
export function backupFolderDialogOptions(documentsFolder: string): {
  title: string;
  message: string;
  defaultPath: string;
  buttonLabel: string;
  properties: ('openDirectory' | 'createDirectory')[];
} {
  return {
    title: 'Choose where your backups go',
    message: 'A synced folder such as iCloud Drive, OneDrive or Dropbox keeps a copy off this computer.',
    defaultPath: documentsFolder,
    buttonLabel: 'Use this folder',
    properties: ['openDirectory', 'createDirectory'],
  };
}

/** The open dialog for a backup to restore from: only our backup files are offered. */
export function backupFileDialogOptions(documentsFolder: string): {
  title: string;
  defaultPath: string;
  buttonLabel: string;
  filters: { name: string; extensions: string[] }[];
  properties: 'openFile'[];
} {
  return {
    title: 'Choose a backup to restore',
    defaultPath: documentsFolder,
    buttonLabel: 'Choose backup',
    filters: [{ name: 'PHR Vault backup', extensions: ['phrvault-backup'] }],
    properties: ['openFile'],
  };
}
