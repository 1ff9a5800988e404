import { VaultError } from '../../errors.js';
import { isObject } from '../../records/fhir-values.js';
import { checkedAddress } from '../../smart/addresses.js';
import { networkFailure } from '../../smart/server-http.js';
import type { IssuerKey, RevocationList } from './issuer-directory.js';

/**
 * An issuer's published keys (`<iss>/.well-known/jwks.json`) and revocation lists
 * (`<iss>/.well-known/crl/<kid>.json`), fetched as the standard says: https only (plain http on
 * loopback, for tests), within a time limit, a bounded body, and never followed to another origin.
 */

/** An issuer that does not answer in this long is treated as unreachable; the card is still read. */
export const ISSUER_TIMEOUT_MS = 5000;
/** A key set is a few kilobytes; a revocation list of many cards some hundreds. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 3;

export type FetchLimits = { timeoutMs?: number };

/** What is kept of fetched keys between imports (in the vault, see vault/health-cards.ts). */
export type IssuerKeyCache = {
  get(iss: string): { keys: IssuerKey[]; fetchedAt: string } | null;
  put(iss: string, keys: IssuerKey[]): void;
};

async function boundedText(response: Response, signal: AbortSignal): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel();
      throw new VaultError(
        'bad-server-answer',
        `${new URL(response.url).host} sent far more than a key set.`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GETs JSON from an issuer; a redirect is followed only within the issuer's own origin. */
export async function issuerJson(address: string, limits: FetchLimits = {}): Promise<unknown> {
  let url = checkedAddress(address, 'The card’s issuer address');
  const origin = url.origin;
  const signal = AbortSignal.timeout(limits.timeoutMs ?? ISSUER_TIMEOUT_MS);
  try {
    for (let hop = 0; ; hop++) {
      const response = await fetch(url, {
        redirect: 'manual',
        signal,
        headers: { accept: 'application/json' },
      });
      if (response.status >= 300 && response.status < 400) {
        await response.body?.cancel();
        const location = response.headers.get('location');
        if (!location || hop >= MAX_REDIRECTS)
          throw new VaultError('bad-server-answer', `${url.host} sent the request around in circles.`);
        const next = new URL(location, url);
        if (next.origin !== origin)
          throw new VaultError('foreign-origin', `${url.host} pointed to ${next.host}.`);
        url = next;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new VaultError('server-error', `${url.host} answered ${response.status}.`);
      }
      const text = await boundedText(response, signal);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new VaultError('bad-server-answer', `${url.host} did not answer with JSON.`);
      }
    }
  } catch (error) {
    throw networkFailure(error, url);
  }
}

export async function fetchIssuerKeys(iss: string, limits?: FetchLimits): Promise<IssuerKey[]> {
  const value = await issuerJson(`${iss}/.well-known/jwks.json`, limits);
  if (!isObject(value) || !Array.isArray(value.keys))
    throw new VaultError('bad-server-answer', 'The issuer’s key set is not a key set.');
  return value.keys.filter((k): k is IssuerKey => isObject(k) && typeof k.kid === 'string');
}

export async function fetchRevocationList(
  iss: string,
  kid: string,
  limits?: FetchLimits,
): Promise<RevocationList> {
  const value = await issuerJson(`${iss}/.well-known/crl/${encodeURIComponent(kid)}.json`, limits);
  if (!isObject(value) || value.method !== 'rid' || !Array.isArray(value.rids))
    throw new VaultError('bad-server-answer', 'The issuer’s revocation list is not one PHR Vault can read.');
  return {
    kid,
    ctr: Number(value.ctr),
    rids: value.rids.filter((r): r is string => typeof r === 'string'),
  };
}
