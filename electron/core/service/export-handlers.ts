import { basename } from 'node:path';
import type { exportChannels } from '../../../shared/ipc/areas/export.js';
import { exportRecords, exportSuggestion, previewExport } from '../exchange/export/export-document.js';
import { VaultError } from '../errors.js';
import { writePrivateFile } from '../exchange/private-file.js';
import type { HandlersFor, ServiceContext } from './context.js';

/**
 * Export writes the document straight to the path the shell got from the person's save dialog
 * (`export.toFile` is shell-only): the bytes never travel to the window and back, and a page can
 * never name a path for the core to write to.
 */
export function exportHandlers(ctx: ServiceContext): HandlersFor<keyof typeof exportChannels> {
  return {
    'export.preview': async (req) => previewExport(ctx.vault.db, req.format, req),
    'export.suggestion': (req) => exportSuggestion(ctx.vault.db, req.format, req.personId),
    'export.toFile': async ({ path, ...req }) => {
      const outcome = await exportRecords(ctx.vault.db, req.format, req, {
        onProgress: (p) => ctx.emit('export.progress', { personId: req.personId, format: req.format, ...p }),
      });
      // Readable by the person alone, and never half written over what was there. A folder the
      // disk refuses (no permission, read-only, full, gone) is the person's to fix by choosing
      // another; the vault is untouched either way.
      try {
        await writePrivateFile(path, outcome.bytes);
      } catch (error) {
        if (typeof (error as { code?: unknown } | null)?.code === 'string')
          throw new VaultError('save-failed', undefined, { cause: error });
        throw error;
      }
      return {
        format: outcome.format,
        records: outcome.records,
        sections: outcome.sections,
        issues: outcome.issues,
        groups: outcome.groups,
        fileName: basename(path),
        bytes: outcome.bytes.length,
      };
    },
  };
}
