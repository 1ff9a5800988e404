import { basename, join } from 'node:path';
import { documentKindOf, safeDocumentName } from '../../shared/ipc/areas/files.js';
import type { ParsedRequestOf, ResponseOf } from '../../shared/ipc/contract.js';
import { writePrivateFile } from '../core/exchange/private-file.js';

/**
 * Saving an export where the person chooses, in Electron: the decision part, with the dialog and
 * the disk as ports so it runs in unit tests (Electron is not imported here). The renderer only
 * suggests a name; the folder and the final name come from the person, in the OS's own dialog.
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

export function saveDialogOptions(request: SaveRequest, documentsFolder: string): SaveDialogOptions {
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
