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

/** A FHIR base always ends in one slash, so relative paths resolve beneath it and comparisons are exact. */
export function normalFhirBase(raw: string): string {
  const url = checkedAddress(raw, 'The FHIR address');
  url.hash = '';
  url.search = '';
  url.pathname = url.pathname.replace(/\/*$/, '/');
  return url.href;
}

export function sameOrigin(a: string | URL, b: string | URL): boolean {
  return new URL(a).origin === new URL(b).origin;
}
