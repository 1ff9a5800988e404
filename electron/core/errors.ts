import { userMessage, type ErrorKind } from '../../shared/errors.js';

/**
 * The one error type the core throws on purpose. `detail` is for the user (never a key, token or
 * record content); anything else thrown is a bug and reaches the user as `internal`.
 */
export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly kind: ErrorKind,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage(kind, detail), options);
  }
}

export function isVaultError(error: unknown, kind?: ErrorKind): error is VaultError {
  return error instanceof VaultError && (kind === undefined || error.kind === kind);
}
