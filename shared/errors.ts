/**
 * Every failure that can reach the user has a kind, and every kind has its words here, in one
 * place, so the renderer, the command line and the logs all say the same thing.
 */
export const errorKinds = [
  'wrong-passphrase',
  'wrong-recovery-code',
  'weak-passphrase',
  'vault-missing',
  'vault-exists',
  'vault-locked',
  'vault-busy',
  'not-a-vault',
  'vault-damaged',
  'vault-from-future',
  'invalid-request',
  'not-found',
  'bad-input',
  'internal',
] as const;

export type ErrorKind = (typeof errorKinds)[number];

const messages: Record<ErrorKind, string> = {
  'wrong-passphrase': 'That passphrase is not right. Nothing was changed; try again.',
  'wrong-recovery-code':
    'That recovery code is not right. Check it against the one you saved when the vault was made.',
  'weak-passphrase': 'Choose a passphrase of at least 8 characters. A few unrelated words work well.',
  'vault-missing': 'There is no vault here yet. Create one to start.',
  'vault-exists': 'A vault already exists here. Unlock it instead, or choose another place.',
  'vault-locked': 'The vault is locked. Unlock it to see your records.',
  'vault-busy': 'The vault is open in another window or program. Close it there and try again.',
  'not-a-vault': 'This file is not a PHR Vault. It was left exactly as it was.',
  'vault-damaged':
    'This vault file is damaged and cannot be read. It was left exactly as it was; restore it from a backup if you have one.',
  'vault-from-future':
    'This vault was made by a newer version of PHR Vault. Update the app to open it; the file was not changed.',
  'invalid-request': 'The app sent a request it should not have. Nothing was changed.',
  'not-found': 'That record or person no longer exists.',
  'bad-input': 'That file could not be read as health records. Nothing was stored from it.',
  internal: 'Something went wrong inside PHR Vault. Your records are safe; try again.',
};

/**
 * The sentences a person sees for a kind. `detail` says first what only the failing code knows
 * ("labs.json is not valid JSON."); the kind's sentence then says what it means for them.
 */
export function userMessage(kind: ErrorKind, detail?: string): string {
  return detail ? `${detail} ${messages[kind]}` : messages[kind];
}

export function isErrorKind(value: unknown): value is ErrorKind {
  return typeof value === 'string' && (errorKinds as readonly string[]).includes(value);
}
