import MiniSearch from 'minisearch';
import type { Institution as Listed } from '../../../../shared/ipc/areas/connections.js';

/** An institution as the directory knows it; whether it has a client id is the registry's to say. */
export type Institution = Omit<Listed, 'hasClientId'>;
import { directoryData } from './institutions.generated.js';

/**
 * The institutions shipped with the app (public endpoint lists of Epic, Oracle Health,
 * eClinicalWorks, athenahealth, Veradigm, MEDITECH and other vendors), found by words of their
 * name, health system or place ("Mayo Rochester", "Boston Children's", "Chicago"), accents, case and
 * apostrophes ignored, the last word as a prefix while it is being typed.
 *
 * Ranking is MiniSearch's BM25: a rare word ("mayo") counts more than a common one ("rochester"),
 * a short name that is all query ("Mayo Clinic") beats a long one that merely contains it, and a
 * row matching every word beats one matching some. Names weigh more than systems and places, so a
 * hospital named for a city comes before the clinics that are in it.
 */
const STATE_NAMES: Record<string, string> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado',
  CT: 'Connecticut', DE: 'Delaware', DC: 'District of Columbia', FL: 'Florida', GA: 'Georgia',
  HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois', IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky',
  LA: 'Louisiana', ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota',
  MS: 'Mississippi', MO: 'Missouri', MT: 'Montana', NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire',
  NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York', NC: 'North Carolina', ND: 'North Dakota',
  OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania', RI: 'Rhode Island', SC: 'South Carolina',
  SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah', VT: 'Vermont', VA: 'Virginia',
  WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming', PR: 'Puerto Rico', GU: 'Guam',
  VI: 'Virgin Islands',
}; // prettier-ignore

/** Lower case, no accents, no apostrophes ("Children’s" and "childrens" are one word). */
const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/['’‘`]/g, '')
    .toLowerCase();
const words = (s: string) =>
  fold(s)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

type Document = { id: number; name: string; system: string; place: string };

let index: MiniSearch<Document> | null = null;
let institutions: Institution[] | null = null;

export function allInstitutions(): Institution[] {
  const { vendors, places, systems, prefixes, rows } = directoryData;
  institutions ??= rows.map(([name, place, system, vendor, prefix, rest, note], i) => ({
    id: `${vendors[vendor]![0]}:${i}`,
    name,
    place: places[place] ?? null,
    system: systems[system] ?? null,
    note: note ?? null,
    fhirBase: `${prefixes[prefix]}${rest}`,
    vendor: vendors[vendor]![0],
    vendorName: vendors[vendor]![1],
    fhirVersion: 'R4' as const,
  }));
  return institutions;
}

/** Built on the first search (about a second for 70,000 rows), in the core's worker. */
function searchIndex(): MiniSearch<Document> {
  if (index) return index;
  const built = new MiniSearch<Document>({
    fields: ['name', 'system', 'place'],
    tokenize: words,
    processTerm: (term) => term,
    searchOptions: { boost: { name: 3, system: 1.5, place: 1 } },
  });
  built.addAll(
    allInstitutions().map((institution, id) => {
      const state = / ([A-Z]{2})$/.exec(institution.place ?? '')?.[1];
      return {
        id,
        name: institution.name,
        system: institution.system ?? '',
        place: `${institution.place ?? ''} ${state ? (STATE_NAMES[state] ?? '') : ''}`,
      };
    }),
  );
  index = built;
  return built;
}

export function searchInstitutions(query: string, limit = 20): Institution[] {
  const terms = words(query);
  if (terms.length === 0) return [];
  const last = terms.length - 1;
  const options = {
    combineWith: 'OR' as const,
    // The last word may be half typed; longer words forgive a slip of one letter.
    prefix: (_term: string, i: number) => i === last,
    fuzzy: (term: string) => (term.length >= 6 ? 0.15 : false),
    boostDocument: (id: unknown) => (looksLikeCareSetting(allInstitutions()[id as number]!.name) ? 1.5 : 1),
  };
  const found = searchIndex().search(terms.join(' '), options);
  const all = allInstitutions();
  const complete = found.filter((r) => r.queryTerms.length === terms.length);
  if (complete.length > 0) return complete.slice(0, limit).map((r) => all[r.id as number]!);
  // No row has every word ("Mayo Rochester": no list gives Mayo Clinic's city). The rows with
  // the rarest words come first, whichever fields they are in, so a word found twice in one row
  // (a name and a place both "Rochester") does not outweigh a rarer word found once.
  const total = all.length;
  const weight = new Map(
    terms.map((term, i) => {
      const matching = searchIndex().search(term, { ...options, prefix: i === last }).length;
      return [term, Math.log(total / Math.max(1, matching))];
    }),
  );
  const rarity = (r: (typeof found)[number]) =>
    r.queryTerms.reduce((sum, term) => sum + (weight.get(term) ?? 0), 0);
  return found
    .map((r) => ({ r, rarity: rarity(r) }))
    .sort((a, b) => b.rarity - a.rarity || b.r.score - a.r.score)
    .slice(0, limit)
    .map(({ r }) => all[r.id as number]!);
}

/**
 * Hospitals, health systems and clinics by their name: a person typing a city or a short name
 * most often means the place that treats them, not a billing office or a lone practitioner.
 */
const looksLikeCareSetting = (name: string) =>
  /\b(hospitals?|health|healthcare|medical cent(er|re)|medicine|clinics?|children'?s)\b/i.test(name);

/** The vendors the directory lists, by name. */
export function directoryVendors(): { vendor: string; name: string }[] {
  return directoryData.vendors
    .map(([vendor, name]) => ({ vendor, name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
}

let vendorByBase: Map<string, string> | null = null;
let vendorByHost: Map<string, string | null> | null = null;

/**
 * The vendor of an address the directory lists, or of a host only one vendor's institutions use
 * (fhir4.healow.com is eClinicalWorks); null when the directory cannot say.
 */
export function directoryVendorOf(fhirBase: string): string | null {
  if (!vendorByBase || !vendorByHost) {
    const { vendors, prefixes, rows } = directoryData;
    // Hosts come from the few thousand address prefixes, not from parsing every row's address.
    // A prefix that is only "https://" (an address with no path) leaves the host in the row.
    const hosts = prefixes.map((prefix) => (prefix === 'https://' ? null : new URL(prefix).hostname));
    vendorByBase = new Map();
    vendorByHost = new Map();
    for (const [, , , vendorIndex, prefix, rest] of rows) {
      const vendor = vendors[vendorIndex]![0];
      vendorByBase.set(`${prefixes[prefix]}${rest}`, vendor);
      const host = hosts[prefix] ?? new URL(`${prefixes[prefix]}${rest}`).hostname;
      const seen = vendorByHost.get(host);
      vendorByHost.set(host, seen === undefined || seen === vendor ? vendor : null);
    }
  }
  const base = fhirBase.replace(/\/*$/, '/');
  return vendorByBase.get(base) ?? vendorByHost.get(new URL(base).hostname) ?? null;
}
