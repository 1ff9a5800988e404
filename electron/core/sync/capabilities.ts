import { isVaultError } from '../errors.js';
import { versionFromNumber } from '../exchange/fhir-version.js';
import type { Json } from '../records/fhir-values.js';
import type { FhirVersion } from '../records/record-columns.js';
import { isObject } from './page-rules.js';
import { SyncCancelled, type ServerReader } from './server-reader.js';

/** The FHIR version a server speaks and the types it lists, each with whether `_lastUpdated` works. */
export type Capabilities = { version: FhirVersion; types: Map<string, { lastUpdated: boolean }> | null };

/**
 * What the server says it offers. Without a readable CapabilityStatement every type is tried (a
 * type it lacks answers 404 and is skipped) and `_lastUpdated` is never relied on.
 */
export async function readCapabilities(
  reader: ServerReader,
  fhirBase: string,
  storedVersion: string | null,
): Promise<Capabilities> {
  const fallback: Capabilities = {
    version: (storedVersion && versionFromNumber(storedVersion)) || 'R4',
    types: null,
  };
  let body: unknown;
  try {
    body = (await reader.getJson(new URL('metadata', fhirBase).href)).body;
  } catch (error) {
    if (error instanceof SyncCancelled || isVaultError(error, 'needs-sign-in')) throw error;
    return fallback;
  }
  return capabilitiesOf(body, fallback);
}

/** Reads a CapabilityStatement (or DSTU2's Conformance); anything else leaves the fallback. */
export function capabilitiesOf(body: unknown, fallback: Capabilities): Capabilities {
  if (
    !isObject(body) ||
    (body.resourceType !== 'CapabilityStatement' && body.resourceType !== 'Conformance')
  ) {
    return fallback;
  }
  const version =
    (typeof body.fhirVersion === 'string' && versionFromNumber(body.fhirVersion)) || fallback.version;
  const rest = (Array.isArray(body.rest) ? body.rest : []).find(
    (r: unknown) => isObject(r) && r.mode === 'server',
  ) as Json | undefined;
  const named = (params: unknown) =>
    Array.isArray(params) && params.some((p: unknown) => isObject(p) && p.name === '_lastUpdated');
  const everywhere = named(rest?.searchParam);
  const resources = Array.isArray(rest?.resource) ? (rest.resource as unknown[]) : [];
  if (resources.length === 0) return { version, types: null };
  const types = new Map<string, { lastUpdated: boolean }>();
  for (const r of resources) {
    if (isObject(r) && typeof r.type === 'string')
      types.set(r.type, { lastUpdated: everywhere || named(r.searchParam) });
  }
  return { version, types };
}
