import { VaultError } from '../errors.js';

/**
 * Plain http is accepted only where nobody else can listen in: the loopback interface (tests and
 * local sandboxes). Anything else must be https, and certificate errors are never bypassed.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** Parses an address the app is about to talk to, refusing anything it must not send a patient to. */
export function checkedAddress(raw: string, what = 'That address'): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new VaultError('not-a-fhir-server', `${what} is not a web address.`);
  }
  if (url.username !== '' || url.password !== '') throw new VaultError('insecure-address');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url)) return url;
  throw new VaultError('insecure-address');
}

/**
 * The FHIR base as the server names itself, for everything that must match it exactly: the `aud`
 * of the authorize request, what is stored, what the user sees. Authorization servers compare
 * `aud` as a string (SMART's reference launcher refuses ".../fhir/" for ".../fhir"), so nothing is
 * added or taken away but the fragment and query, which are never part of a base.
 */
export function exactFhirBase(raw: string): string {
  const url = checkedAddress(raw, 'The FHIR address');
  url.hash = '';
  url.search = '';
  return url.href;
}

/**
 * The same base ending in one slash, only for resolving relative addresses beneath it
 * (`new URL('metadata', base)`) and for comparing two spellings of one server; never sent as `aud`.
 */
export function normalFhirBase(raw: string): string {
  const url = new URL(exactFhirBase(raw));
  url.pathname = url.pathname.replace(/\/*$/, '/');
  return url.href;
}

/** Two spellings of one FHIR base ("…/fhir" and "…/fhir/") name the same server. */
export function sameFhirBase(a: string, b: string): boolean {
  return normalFhirBase(a) === normalFhirBase(b);
}

export function sameOrigin(a: string | URL, b: string | URL): boolean {
  return new URL(a).origin === new URL(b).origin;
}
