import { isVaultError } from '../errors.js';
import type { Json } from '../records/fhir-values.js';
import type { VaultDatabase } from '../vault/database.js';
import { REFERENCED_TYPES } from './pull-plan.js';
import { SyncCancelled, type ServerReader } from './server-reader.js';

const REFERENCE = /"reference"\s*:\s*"([^"]{1,300})"/g;
const TARGET = new RegExp(`^(${REFERENCED_TYPES.join('|')})/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`);

/** `Practitioner/12` for a reference this server can answer; null for contained, foreign or other kinds. */
export function referenceTarget(reference: string, fhirBase: string): string | null {
  const local = reference.startsWith(fhirBase) ? reference.slice(fhirBase.length) : reference;
  const match = TARGET.exec(local);
  return match ? `${match[1]}/${match[2]}` : null;
}

/** Adds the references in a piece of FHIR JSON text (a page, a record) that sync should read. */
export function collectReferences(text: string, fhirBase: string, into: Set<string>): void {
  for (const match of text.matchAll(REFERENCE)) {
    const target = referenceTarget(match[1]!, fhirBase);
    if (target) into.add(target);
  }
}

/**
 * What to read: the references this run's pages carried, or (null) every stored record's, when a
 * run resumed pages stored by one that died before it got this far. Less what the vault has.
 */
function wantedReferences(
  db: VaultDatabase,
  connectionId: number,
  fhirBase: string,
  candidates: ReadonlySet<string> | null,
): Set<string> {
  const wanted = new Set<string>(candidates ?? []);
  if (!candidates) {
    const rows = db
      .prepare('SELECT raw FROM resources WHERE connection_id = ?')
      .iterate(connectionId) as Iterable<{
      raw: string;
    }>;
    for (const { raw } of rows) collectReferences(raw, fhirBase, wanted);
  }
  if (wanted.size === 0) return wanted;
  const stored = db
    .prepare(
      `SELECT resource_type || '/' || server_id AS ref FROM resources
       WHERE connection_id = ? AND resource_type IN (${REFERENCED_TYPES.map(() => '?').join(',')})`,
    )
    .all(connectionId, ...REFERENCED_TYPES) as { ref: string }[];
  for (const { ref } of stored) wanted.delete(ref);
  return wanted;
}

/**
 * Reads the clinicians, organisations, places and medications that records point to and the vault
 * does not have yet, so a record can say who and where. Two rounds: a PractitionerRole read in the
 * first points to its Practitioner and Organization. A reference that cannot be read (many
 * servers refuse other people's records to a patient app) is counted, not fatal.
 */
export async function fetchReferencedRecords(
  db: () => VaultDatabase,
  reader: ServerReader,
  connectionId: number,
  fhirBase: string,
  candidates: ReadonlySet<string> | null,
  store: (records: { resource: Json; raw: string }[]) => void,
  /** Types the sign-in lets the app read; the others would only be refused (403) every sync. */
  readable: (resourceType: string) => boolean = () => true,
): Promise<{ fetched: number; failed: number }> {
  const tried = new Set<string>();
  let fetched = 0;
  let failed = 0;
  let pointedTo = candidates;
  for (let round = 0; round < 2; round++) {
    const missing = [...wantedReferences(db(), connectionId, fhirBase, pointedTo)].filter(
      (ref) => !tried.has(ref) && readable(ref.slice(0, ref.indexOf('/'))),
    );
    if (missing.length === 0) break;
    const found: { resource: Json; raw: string }[] = [];
    let position = 0;
    const worker = async () => {
      while (position < missing.length) {
        const ref = missing[position++]!;
        tried.add(ref);
        try {
          const { body, text } = await reader.getJson(ref);
          const [type, id] = ref.split('/');
          const resource = body as Json;
          // The answer is the resource itself: kept as the server wrote it.
          if (resource && resource.resourceType === type && resource.id === id)
            found.push({ resource, raw: text.trim() });
          else failed++;
        } catch (error) {
          if (error instanceof SyncCancelled || isVaultError(error, 'needs-sign-in')) throw error;
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, missing.length) }, worker));
    if (found.length > 0) store(found);
    fetched += found.length;
    // The second round reads what the first round's records point to (a role's practitioner).
    const next = new Set<string>();
    for (const { raw } of found) collectReferences(raw, fhirBase, next);
    pointedTo = next;
  }
  return { fetched, failed };
}
