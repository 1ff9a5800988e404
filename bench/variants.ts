/** Apart from stores.ts so that the parent process never loads the SQLite driver (see run.ts). */
/**
 * `bare-encrypted` is not one of the stated comparisons: it is the bare table inside SQLCipher,
 * which splits the gap between the vault and the ceiling into "encryption" and "everything else".
 */
export const variants = ['encrypted', 'unencrypted', 'bare', 'bare-encrypted'] as const;
export type Variant = (typeof variants)[number];
