import { VaultError } from '../errors.js';
import { checkedAddress } from './addresses.js';
import { ask, DEFAULT_TIMEOUT_MS, jsonOrNull } from './server-http.js';
import { serverWords } from './server-words.js';

/**
 * The app's POSTs to an authorization server (token and revocation). Written here rather than left
 * to fhirclient because its requests follow redirects: a 307 would re-send a code, a refresh token
 * or a signed client assertion to wherever the server pointed, plain http included. These never
 * follow one; a 3xx is a failure, and nothing is sent a second time.
 */
export async function postForm(
  endpoint: string,
  form: Record<string, string>,
  what: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Response> {
  const url = checkedAddress(endpoint, what);
  const response = await ask(
    url,
    {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form),
    },
    timeoutMs,
  );
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new VaultError(
      'sign-in-failed',
      `${url.host} sent PHR Vault to another address instead of answering; PHR Vault did not follow, so nothing was sent there.`,
    );
  }
  return response;
}

/** An OAuth error answer (RFC 6749 §5.2): its code for the app, its own words for the user. */
export class TokenRefusal extends Error {
  override readonly name = 'TokenRefusal';
  constructor(
    readonly status: number,
    readonly error: string | null,
    /** Already made safe to show (see serverWords), or null when the server gave none. */
    readonly words: string | null,
    readonly host: string,
  ) {
    super(`token endpoint answered ${status}${error ? ` ${error}` : ''}`);
  }
}

/**
 * Asks the token endpoint for tokens. `secrets` are the values of this request that the server's
 * words must never repeat to the user (code, verifier, refresh token, assertion).
 */
export async function requestTokens(
  tokenUri: string,
  form: Record<string, string>,
  secrets: readonly (string | undefined)[],
): Promise<Record<string, unknown> & { access_token: string }> {
  const response = await postForm(tokenUri, form, 'The token address');
  const body = (await jsonOrNull(response)) as Record<string, unknown> | null;
  const host = new URL(tokenUri).host;
  if (!response.ok) {
    const error = typeof body?.error === 'string' ? body.error.slice(0, 64) : null;
    throw new TokenRefusal(response.status, error, serverWords(body?.error_description, secrets), host);
  }
  if (!body || typeof body.access_token !== 'string' || !body.access_token) {
    throw new VaultError('server-error', `${host} sent no access to the records.`);
  }
  return body as Record<string, unknown> & { access_token: string };
}

/** When the access token runs out, in seconds since 1970, if the server said. */
export function expiryOf(answer: Record<string, unknown>, now: number): number | undefined {
  const seconds = answer.expires_in;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
    ? Math.floor(now) + Math.floor(seconds)
    : undefined;
}
