import { VaultError } from '../errors.js';

export const DEFAULT_TIMEOUT_MS = 20_000;

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

function causeCode(error: unknown): string | undefined {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns what fetch throws into what the user can act on. The host name goes into the detail
 * (the user typed or picked it); the URL's path and query never do (they can carry codes).
 */
export function networkFailure(error: unknown, url: URL | string): VaultError {
  if (error instanceof VaultError) return error;
  const host = new URL(url).host;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new VaultError('server-timeout', `${host} did not answer in time.`, { cause: error });
  }
  const code = causeCode(error);
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new VaultError('tls-error', `${host} presented a certificate that is not valid.`, {
      cause: error,
    });
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return new VaultError('server-timeout', `${host} did not answer in time.`, { cause: error });
  }
  return new VaultError('server-unreachable', `${host} could not be reached.`, { cause: error });
}

/** fetch with a time limit and typed failures; never follows a redirect to plain http elsewhere. */
export async function ask(
  url: URL | string,
  init: RequestInit = {},
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw networkFailure(error, url);
  }
}

/** The body as JSON, or null when the server answered something else (an HTML login page, say). */
export async function jsonOrNull(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
