import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { safeDocumentName, SaveRefused, type FilesAnswers } from '../../shared/ipc/areas/files.js';

/**
 * The test host's answer to the files channels. A browser page has no save dialog of ours, so the
 * host writes into the one folder it was started with (`--downloads DIR`), like a browser's
 * downloads folder: the page only suggests a name, of which just the sanitised last segment is
 * used, and an existing file is never replaced ("name (2).xml" instead). Without the flag it
 * refuses, so no test can write somewhere by accident.
 */
export function downloadsFolder(folder: string | undefined): Pick<FilesAnswers, 'files.saveDocument'> {
  const root = folder ? resolve(folder) : undefined;
  return {
    'files.saveDocument': async (request) => {
      if (!root) {
        throw new SaveRefused('This PHR Vault host was started without --downloads, so it saves no files.');
      }
      const name = safeDocumentName(request.suggestedName, request.mimeType);
      const bytes = Buffer.from(request.contentBase64, 'base64');
      for (let copy = 1; copy <= 100; copy++) {
        const candidate = copy === 1 ? name : numbered(name, copy);
        const path = join(root, candidate);
        // safeDocumentName leaves no separator and no "..", so this holds; checked all the same.
        if (dirname(path) !== root) throw new SaveRefused('That file name cannot be used.');
        try {
          await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
          return { saved: true, fileName: candidate };
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'EEXIST') throw error;
        }
      }
      throw new SaveRefused('The downloads folder already holds 100 documents of that name.');
    },
  };
}

function numbered(name: string, copy: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${copy})${name.slice(dot)}` : `${name} (${copy})`;
}
