import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a document of health records so that only its owner can read it (0600), whatever was in
 * the folder before: the bytes go into a new temporary file beside the target, created exclusively
 * (O_EXCL, and O_NOFOLLOW where the OS has it) under a random name, so neither a file left there
 * with loose permissions nor a symbolic link planted in its place is written through; it is
 * synced, then renamed over the target, which replaces a link at the target rather than writing
 * to where it points. A full disk never leaves half a document, nor destroys the file replaced.
 * Windows ignores the mode; the folder's ACL, inherited from the user's profile, does that there.
 */
export async function writePrivateFile(path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.partial`);
  const flags =
    constants.O_WRONLY |
    constants.O_CREAT |
    constants.O_EXCL |
    ((constants as { O_NOFOLLOW?: number }).O_NOFOLLOW ?? 0);
  const file = await open(temp, flags, 0o600);
  try {
    try {
      await file.writeFile(bytes);
      // The mode given to open() is narrowed by the umask only, but set it outright all the same.
      if (process.platform !== 'win32') await file.chmod(0o600);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
