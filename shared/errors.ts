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
  'key-file-damaged',
  'keychain-unavailable',
  'keychain-changed',
  'vault-from-future',
  'not-a-backup',
  'invalid-request',
  'not-found',
  'bad-input',
  'empty-selection',
  'save-failed',
  'disk-full',
  'disk-failed',
  'backup-failed',
  'no-backup-folder',
  'server-unreachable',
  'server-timeout',
  'tls-error',
  'not-a-fhir-server',
  'insecure-address',
  'no-pkce',
  'no-client-id',
  'bad-client-id',
  'clients-file-unreadable',
  'sign-in-denied',
  'sign-in-failed',
  'sign-in-refused',
  'sign-in-unverified',
  'sign-in-timeout',
  'sign-in-busy',
  'needs-sign-in',
  'foreign-origin',
  'server-error',
  'server-busy',
  'bad-server-answer',
  'identity-mismatch',
  'name-taken',
  'answer-too-complex',
  'core-stopped',
  'core-out-of-memory',
  'core-not-running',
  'last-person',
  'bad-link',
  'link-expired',
  'link-passcode-needed',
  'link-wrong-passcode',
  'link-unavailable',
  'link-refused',
  'link-bad-answer',
  'bad-entry',
  'not-own-entry',
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
    'This vault file is damaged. PHR Vault writes nothing more into it, so it stays exactly as it is: restore the vault and its key file together from a backup.',
  'key-file-damaged':
    'The vault’s key file (.keys.json) is damaged, so PHR Vault cannot check a passphrase against it. Use your recovery code, or restore the key file from a backup; the vault itself was not changed.',
  'keychain-unavailable':
    'This computer’s keychain cannot unlock the vault now. Unlock it with your passphrase; nothing was changed.',
  'keychain-changed':
    'This computer’s keychain is not the one that was set up to unlock the vault (its password store changed), so PHR Vault did not use it. Unlock with your passphrase, then turn keychain unlock on again in Settings.',
  'vault-from-future':
    'This vault was made by a newer version of PHR Vault. Update the app to open it; the file was not changed.',
  'not-a-backup':
    'This file is not a PHR Vault backup that can be restored. Nothing was changed; choose another backup.',
  'invalid-request': 'The app sent a request it should not have. Nothing was changed.',
  'not-found': 'That record or person no longer exists.',
  'bad-input': 'That file could not be read as health records. Nothing was stored from it.',
  'empty-selection':
    'There is nothing to export: no records match the person, dates and kinds of record chosen. Widen the dates or choose more kinds of record.',
  'save-failed':
    'The document could not be saved there. Nothing in your vault changed; choose another folder and try again.',
  'disk-full':
    'The disk is full, so the last change was not saved. Everything saved before it is still in your vault; make room on the disk and try again.',
  'disk-failed':
    'The disk would not take what PHR Vault was saving (it may be full, removed or failing), so it was not saved. Everything saved before it is still in your vault; check the disk and try again.',
  'backup-failed':
    'The backup could not be written. Your vault is unchanged and earlier backups are kept; check that the backup folder is there and has room, or choose another, and try again.',
  'no-backup-folder': 'Choose a folder for your backups first.',
  'server-unreachable':
    'The health system’s server could not be reached. Check your internet connection and the address, then try again.',
  'server-timeout': 'The health system’s server took too long to answer. Try again in a few minutes.',
  'tls-error':
    'The server’s security certificate could not be verified, so PHR Vault did not talk to it. Check the address; if it is right, the health system has to fix its certificate.',
  'not-a-fhir-server':
    'That address does not answer like a patient-records (FHIR) server. Check it with the health system.',
  'insecure-address':
    'PHR Vault only connects over a secure (https) address. Ask the health system for its https address.',
  'no-pkce':
    'This server does not offer the secure sign-in PHR Vault requires (PKCE with S256), so PHR Vault did not connect to it.',
  'no-client-id':
    'PHR Vault has no app registration (client id) for this health system yet. Add one under “App registrations” (or `phr-vault clients set`), then try again.',
  'bad-client-id':
    'That does not look like a client id. Paste it exactly as the vendor’s developer site shows it (letters, digits and signs, no spaces). Nothing was saved.',
  'clients-file-unreadable':
    'The file of app registrations could not be read, so PHR Vault left it as it is. Correct it or remove it, then try again.',
  'sign-in-denied': 'Access was not granted in the sign-in page, so nothing was connected.',
  'sign-in-failed': 'Signing in did not complete. Nothing was changed; try again.',
  'sign-in-refused':
    'The health system did not accept the sign-in, so nothing was connected or changed. Try again; if it says the same again, pass its words on to the health system’s patient-portal help.',
  'sign-in-unverified':
    'PHR Vault could not confirm who signed in, so nothing was connected or changed. Try again; if it happens again, pass these words on to the health system’s patient-portal help.',
  'sign-in-timeout':
    'Signing in took too long and was stopped. Nothing was changed; start again when you are ready.',
  'sign-in-busy': 'A sign-in is already waiting in your browser. Finish or cancel that one first.',
  'needs-sign-in': 'This connection needs you to sign in again. Your records from it are all still here.',
  'foreign-origin':
    'The server pointed to an address outside itself; PHR Vault did not send your sign-in there.',
  'identity-mismatch':
    'The patient who signed in does not look like the person you chose, so nothing was saved. Choose the right person, or confirm that these records are theirs.',
  'name-taken':
    'This person already has a connection by that name. Choose another name, so their records’ sources stay told apart.',
  'server-error': 'The health system’s server answered with an error. Nothing was lost; try again later.',
  'server-busy':
    'The health system’s server is busy. PHR Vault will try again at the next sync; nothing was lost.',
  'bad-server-answer':
    'The health system’s server sent something that is not health records, so it was not stored. Nothing already in your vault changed.',
  'answer-too-complex':
    'That record is nested too deeply for PHR Vault to show. It is kept in your vault exactly as it was received; nothing was changed.',
  'core-stopped':
    'PHR Vault had to stop what it was doing and locked your vault to keep it safe. Unlock it again; everything already saved is still there.',
  'core-out-of-memory':
    'That task needed more memory than PHR Vault allows itself, so it was stopped and your vault was locked. Unlock it again; everything already saved is still there.',
  'core-not-running':
    'PHR Vault’s vault stopped several times and was not started again. Quit PHR Vault and open it again; everything already saved is still there.',
  'last-person':
    'A vault keeps the records of at least one person. Add someone else before removing this person; nothing was removed.',
  'bad-link':
    'That is not a SMART Health Link PHR Vault can open. Check that it was copied whole; nothing was stored from it.',
  'link-expired':
    'This health link has expired. Ask whoever shared it for a new one; nothing was stored from it.',
  'link-passcode-needed':
    'This health link is protected by a passcode. Type the passcode whoever shared it gave you.',
  'link-wrong-passcode':
    'That passcode is not right, so nothing was opened. Check it with whoever shared the link and try again.',
  'link-unavailable':
    'This health link is no longer available: it was used up, has ended or was withdrawn by whoever shared it. Ask them for a new one; nothing was stored from it.',
  'link-refused':
    'The health link’s server would not share its records, so nothing was stored. Try again later, or ask whoever shared it for a new link.',
  'link-bad-answer':
    'The health link’s server sent something that is not health records, so nothing was stored from it.',
  'bad-entry': 'Correct it and save again; nothing was saved.',
  'not-own-entry':
    'Only what you entered yourself can be changed or deleted. A record a source sent stays as it was sent: add a note to it, mark it as wrong, or hide it.',
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
