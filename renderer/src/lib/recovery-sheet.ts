import { api } from './api.js';

/** The recovery code in two even lines of four groups, which read and copy by hand more easily. */
export function recoveryCodeLines(code: string): string[] {
  const groups = code.split('-');
  const half = Math.ceil(groups.length / 2);
  return [groups.slice(0, half).join('-'), groups.slice(half).join('-')].filter(Boolean);
}

const today = () =>
  new Date().toLocaleDateString('en-US', { year: 'numeric', month: 'long', day: 'numeric' });

/** What the sheet says, as plain text for the file: the same words the printed sheet has. */
export function recoverySheetText(code: string, location: string): string {
  return [
    'PHR Vault: your recovery code',
    '',
    ...recoveryCodeLines(code).map((line) => `    ${line}`),
    '',
    `Vault: ${location}`,
    `Written down on ${today()}.`,
    '',
    'If you forget your passphrase: open PHR Vault, choose "Use your recovery code" and type this',
    'code, then choose a new passphrase. It also opens your backups.',
    '',
    'Keep this sheet somewhere safe, away from this computer. Anyone who has this code and your vault',
    'file (or a backup of it) can read your records.',
    '',
  ].join('\n');
}

/** Saves the sheet as a text file where the person chooses (the shell's own save dialog). */
export async function saveRecoverySheet(code: string, location: string): Promise<string | null> {
  const bytes = new TextEncoder().encode(recoverySheetText(code, location));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const answer = await api.call('files.saveDocument', {
    suggestedName: 'PHR Vault recovery code.txt',
    mimeType: 'text/plain',
    contentBase64: btoa(binary),
  });
  return answer.saved ? answer.fileName : null;
}
