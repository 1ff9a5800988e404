import { VaultError } from '../errors.js';
import { networkFailure } from './server-http.js';
import { serverWords } from './server-words.js';
import { TokenRefusal } from './token-endpoint.js';

/**
 * What a failed token request means for the user. The OAuth error code decides what happens
 * (`invalid_grant` on a refresh: sign in again); the server's own words, already made safe by
 * serverWords, are shown as it said them, so a refusal can be acted on or passed on.
 */
export function tokenFailure(error: unknown, tokenUri: string, during: 'sign-in' | 'refresh'): VaultError {
  if (error instanceof VaultError) return error;
  if (error instanceof TokenRefusal) {
    const said = error.words ?? serverWords(error.error);
    if (during === 'refresh' && error.error === 'invalid_grant') {
      return new VaultError('needs-sign-in', undefined, { cause: error });
    }
    if (error.status >= 500) {
      return new VaultError(
        'server-error',
        said ? `${error.host} said: “${said}”.` : 'The sign-in server failed.',
        { cause: error },
      );
    }
    if (during === 'sign-in') {
      return new VaultError('sign-in-refused', said ? `${error.host} said: “${said}”.` : undefined, {
        cause: error,
      });
    }
    // Not invalid_grant: the grant may still be good (a client registration problem, say), so the
    // tokens are kept and the connection shows the server's words.
    return new VaultError(
      'sign-in-failed',
      `${error.host} refused to renew access${said ? `: “${said}”` : ''}.`,
      { cause: error },
    );
  }
  if (
    (error instanceof TypeError && /fetch failed/.test(error.message)) ||
    (error as { name?: unknown } | null)?.name === 'TimeoutError'
  ) {
    return networkFailure(error, tokenUri);
  }
  return new VaultError('sign-in-failed', undefined, { cause: error });
}
