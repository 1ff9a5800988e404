import type { Institution } from '../../../../shared/ipc/areas/connections.js';
import { institutionRows } from './institutions.generated.js';

/**
 * The institutions shipped with the app (public Epic and Oracle Health R4 endpoint lists), found
 * by words of their name or place in any order, accents and case ignored. Small enough (a few
 * thousand rows) to scan on each keystroke; names that start with the query come first.
 */
const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

type Entry = { institution: Institution; haystack: string; name: string };

let entries: Entry[] | null = null;

function directory(): Entry[] {
  entries ??= institutionRows.map(([name, place, fhirBase, vendor, fhirVersion], i) => ({
    institution: { id: `${vendor}:${i}`, name, place, fhirBase, vendor, fhirVersion },
    haystack: fold(`${name} ${place ?? ''} ${new URL(fhirBase).hostname}`),
    name: fold(name),
  }));
  return entries;
}

export function searchInstitutions(query: string, limit = 20): Institution[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const found = directory().filter((e) => words.every((w) => e.haystack.includes(w)));
  const first = words[0]!;
  found.sort((a, b) => Number(!a.name.startsWith(first)) - Number(!b.name.startsWith(first)));
  return found.slice(0, limit).map((e) => e.institution);
}
