import type { exportChannels } from '../../../shared/ipc/areas/export.js';
import { exportRecords, previewExport } from '../exchange/export/export-document.js';
import type { HandlersFor, ServiceContext } from './context.js';

/**
 * Export returns bytes, never writes: the renderer cannot name a path for the core to write to,
 * and the shell, which owns the save dialog, writes the file the user chose.
 */
export function exportHandlers(ctx: ServiceContext): HandlersFor<keyof typeof exportChannels> {
  return {
    'export.preview': async (req) => previewExport(ctx.vault.db, req.format, req),
    'export.run': async (req) => {
      const outcome = await exportRecords(ctx.vault.db, req.format, req, {
        onProgress: (p) => ctx.emit('export.progress', { personId: req.personId, format: req.format, ...p }),
      });
      return {
        format: outcome.format,
        records: outcome.records,
        sections: outcome.sections,
        issues: outcome.issues,
        groups: outcome.groups,
        mediaType: outcome.mediaType,
        fileName: outcome.fileName,
        contentBase64: outcome.bytes.toString('base64'),
      };
    },
  };
}
