import { VaultError } from '../errors.js';
import { networkFailure } from './server-http.js';

/**
 * What a failed token request means for the user. fhirclient's HttpError carries the OAuth error
 * code in its message after parsing the body; only that code is looked at, never echoed (the
 * message holds the URL and the server's own words).
 */
export async function tokenFailure(error: unknown, tokenUri: string): Promise<VaultError> {
  if (error instanceof VaultError) return error;
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number') {
    const message = String((error as Error).message ?? '');
    if (/\binvalid_grant\b/.test(message))
      return new VaultError('needs-sign-in', undefined, { cause: error });
    if (status >= 500) return new VaultError('server-error', 'The sign-in server failed.', { cause: error });
    return new VaultError('sign-in-failed', 'The health system refused to finish the sign-in.', {
      cause: error,
    });
  }
  if (
    (error instanceof TypeError && /fetch failed/.test(error.message)) ||
    (error as { name?: unknown } | null)?.name === 'TimeoutError'
  ) {
    return networkFailure(error, tokenUri);
  }
  return new VaultError('sign-in-failed', undefined, { cause: error });
}
