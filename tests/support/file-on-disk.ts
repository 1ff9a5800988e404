import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

/**
 * A file the person has on disk under the name given, as a portal's download would be, in a
 * folder of its own (removed when the test file is done). Returns its path.
 */
export function fileOnDisk(name: string, content: string | Buffer): string {
  const path = join(tempDir('phr-vault-file-'), name);
  writeFileSync(path, content);
  return path;
}
