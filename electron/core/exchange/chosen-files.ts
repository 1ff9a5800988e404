import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';
import { VaultError } from '../errors.js';
import type { Json } from '../records/fhir-values.js';

/** A file the shell handed over: where it is, and what its preview found of whose it is. */
export type ChosenPath = { path: string; name: string; bytes: number; patients: Json[] | null };

/** Tokens kept at once; a page choosing file after file for hours forgets the oldest. */
const MAX_KEPT = 2000;

/**
 * The files the person chose in the shell's dialog (or dropped onto the window), by an opaque
 * token: the page names a file only by a token the core gave, so it can never make the core read
 * a path of its own making. Forgotten when the vault locks.
 */
export class ChosenFiles {
  readonly #files = new Map<string, ChosenPath>();

  add(paths: readonly string[]): { token: string; name: string; bytes: number }[] {
    return paths.map((path) => {
      // The shell hands over what its dialog or Electron's drop gave: always absolute.
      if (!isAbsolute(path)) throw new VaultError('invalid-request');
      let bytes = 0;
      try {
        bytes = statSync(path).size;
      } catch {
        // Said by the preview, in words, with the file's name.
      }
      const token = randomBytes(18).toString('base64url');
      const name = basename(path);
      this.#files.set(token, { path, name, bytes, patients: null });
      if (this.#files.size > MAX_KEPT) this.#files.delete(this.#files.keys().next().value!);
      return { token, name, bytes };
    });
  }

  get(token: string): ChosenPath {
    const file = this.#files.get(token);
    if (!file)
      throw new VaultError(
        'bad-input',
        'That file is no longer at hand (the vault was locked since it was chosen): choose it again.',
      );
    return file;
  }

  forget(): void {
    this.#files.clear();
  }
}
