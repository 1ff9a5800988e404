/**
 * The SQLCipher binding (better-sqlite3-multiple-ciphers) and several libraries are built for
 * Node 22; an older Node loads the binding and dies with a segmentation fault, without a word. So
 * every entry a person starts with Node checks first, before anything else is loaded. This module
 * imports nothing, so an entry can load it on any Node.
 */
export const MIN_NODE_MAJOR = 22;

/** The sentence to show when this Node is too old; null when it will do. */
export function nodeTooOld(version: string = process.versions.node): string | null {
  const major = Number(version.split('.')[0]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return null;
  return `PHR Vault needs Node.js ${MIN_NODE_MAJOR} or newer; this is ${version}. Install a newer Node.js and try again.`;
}
