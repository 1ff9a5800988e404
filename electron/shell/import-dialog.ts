/**
 * The open dialog for files to import: several at once, the kinds the one import reads offered
 * first (the format is told from each file's content, so "All files" is offered too).
 */
export function importFilesDialogOptions(downloadsFolder: string): {
  title: string;
  defaultPath: string;
  buttonLabel: string;
  filters: { name: string; extensions: string[] }[];
  properties: ('openFile' | 'multiSelections')[];
} {
  return {
    title: 'Choose health records to import',
    defaultPath: downloadsFolder,
    buttonLabel: 'Import',
    filters: [
      {
        name: 'Health records',
        extensions: [
          'json',
          'ndjson',
          'jsonl',
          'xml',
          'zip',
          'smart-health-card',
          'txt',
          'png',
          'jpg',
          'jpeg',
          'pdf',
        ],
      },
      { name: 'All files', extensions: ['*'] },
    ],
    properties: ['openFile', 'multiSelections'],
  };
}
