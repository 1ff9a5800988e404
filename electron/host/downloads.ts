import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  safeDocumentName,
  saveExportThroughCore,
  SaveRefused,
  type FilesAnswers,
} from '../../shared/ipc/areas/files.js';
import type { Result } from '../../shared/ipc/contract.js';

/**
 * The test host's answer to the files channels that save. A browser page has no save dialog of
 * ours, so the host uses the one folder it was started with (`--downloads DIR`), like a browser's
 * downloads folder: only the sanitised last segment of a suggested name is used, and an existing
 * file is never replaced ("name (2).xml" instead). An export is written there by the core, as in
 * Electron after the save dialog. Without the flag it refuses, so no test can write somewhere by
 * accident.
 */
export function downloadsFolder(
  folder: string | undefined,
  dispatch: (channel: 'export.suggestion' | 'export.toFile', request: unknown) => Promise<Result<unknown>>,
): Pick<FilesAnswers, 'files.saveDocument' | 'files.saveExport'> {
  const root = folder ? resolve(folder) : undefined;
  const refuseWithoutFolder = (): string => {
    if (!root) {
      throw new SaveRefused('This PHR Vault host was started without --downloads, so it saves no files.');
    }
    return root;
  };
  return {
    'files.saveDocument': async (request) => {
      const into = refuseWithoutFolder();
      const name = safeDocumentName(request.suggestedName, request.mimeType);
      const bytes = Buffer.from(request.contentBase64, 'base64');
      for (const candidate of candidates(name)) {
        const path = inside(into, candidate);
        try {
          await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
          return { saved: true, fileName: candidate };
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
        }
      }
      throw new SaveRefused('The downloads folder already holds 100 documents of that name.');
    },
    'files.saveExport': (request) =>
      saveExportThroughCore(
        request,
        async ({ fileName, mediaType }) => {
          const into = refuseWithoutFolder();
          // The first free name, as a dialog would have offered. Only tests write into this folder,
          // so nothing takes the name between this look and the core's write.
          for (const candidate of candidates(safeDocumentName(fileName, mediaType))) {
            const path = inside(into, candidate);
            if (!existsSync(path)) return path;
          }
          throw new SaveRefused('The downloads folder already holds 100 documents of that name.');
        },
        dispatch,
      ),
  };
}

function* candidates(name: string): Generator<string> {
  for (let copy = 1; copy <= 100; copy++) yield copy === 1 ? name : numbered(name, copy);
}

function inside(root: string, name: string): string {
  const path = join(root, name);
  // safeDocumentName leaves no separator and no "..", so this holds; checked all the same.
  if (dirname(path) !== root) throw new SaveRefused('That file name cannot be used.');
  return path;
}

function numbered(name: string, copy: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${copy})${name.slice(dot)}` : `${name} (${copy})`;
}
