import type { ChosenFile, ImportedFileAnswer } from '../shared/ipc/areas/imports.js';
import type { Result } from '../shared/ipc/contract.js';

/** Whatever answers the contract: the service itself, or the core worker the app runs. */
export type Core = { dispatch(channel: string, request: unknown): Promise<Result<unknown>> };

/**
 * Acts as the shell does when the person picks files in its open dialog: hands the core their
 * paths (imports.useFiles, a channel only the shell may call) and gets a token for each.
 */
export async function chooseFiles(core: Core, paths: readonly string[]): Promise<ChosenFile[]> {
  const answer = await core.dispatch('imports.useFiles', { paths });
  if (!answer.ok) throw new Error(`imports.useFiles: ${answer.error.kind}: ${answer.error.message}`);
  return (answer.value as { files: ChosenFile[] }).files;
}

/**
 * Imports a file on disk the way the window does: chosen in the shell, then imports.run for the
 * person (or, with `as: 'new-person'`, for a new one made from the file). The answer as the window
 * gets it, refusals included.
 */
export async function importChosen(
  core: Core,
  path: string,
  personId: number,
  as: 'this-person' | 'new-person' = 'this-person',
): Promise<Result<ImportedFileAnswer>> {
  const [file] = await chooseFiles(core, [path]);
  return (await core.dispatch('imports.run', {
    token: file!.token,
    personId,
    as,
  })) as Result<ImportedFileAnswer>;
}

/** As importChosen, throwing the person's message when the import is refused. */
export async function imported(
  core: Core,
  path: string,
  personId: number,
  as: 'this-person' | 'new-person' = 'this-person',
): Promise<ImportedFileAnswer> {
  const answer = await importChosen(core, path, personId, as);
  if (!answer.ok) throw new Error(`imports.run: ${answer.error.kind}: ${answer.error.message}`);
  return answer.value;
}
