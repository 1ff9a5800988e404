// Builds electron/core/smart/directory/institutions.generated.ts, the institution directory
// shipped with the app, from public endpoint lists whose licences allow redistribution:
//   mere-medical/   Epic, Oracle Health (Cerner, places from its raw bundle), eClinicalWorks
//                   (healow), Veradigm R4 and athenahealth practices (MIT)
//   lantern/        ONC Lantern's certified-API endpoint lists, one per vendor, some with ZIP codes
//                   (Apache-2.0 with NOTICE.md)
//   cms-npd-ehr-fhir/ CMS's organisations behind EHR FHIR endpoints, with addresses (CC0-1.0)
// Each list's licence is copied beside the generated module and named in its header.
// Run: node build/make-institution-directory.mjs <endpoints folder> [output folder]
// (the endpoints folder holds mere-medical/, lantern/ and cms-npd-ehr-fhir/ as those projects
// publish them; the output folder defaults to electron/core/smart/directory/).
//
// Left out on purpose: payer lists (Medicare plans, state Medicaid: not hospitals or clinics),
// Lantern's 1Up list's endpoints (an aggregator's copy of other vendors' lists, mostly DSTU2; its
// ZIP codes are used, for the places the vendors' own lists leave out), DSTU2-only
// addresses (every certified API must serve R4 since 2022, so the R4 twin is the one to use), and
// the SMART User-access Brands examples (made-up brands).
//
// Grouping follows SMART User-access Brands: a brand (the name people know, with its place) is
// reached through one portal's FHIR endpoint, and an endpoint serving several brands belongs to
// one health system (Epic's managingOrganization). Rows that would still look the same in a list
// (same name, system and place, different endpoints) carry a short note from the address.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';

const root = process.argv[2];
if (!root) {
  console.error('Usage: node build/make-institution-directory.mjs <endpoints folder> [output folder]');
  process.exit(2);
}
const out = process.argv[3] ?? new URL('../electron/core/smart/directory/', import.meta.url).pathname;
const readJson = (path) => JSON.parse(readFileSync(join(root, path), 'utf8'));
const readCsv = (path) => parse(readFileSync(join(root, path)), { columns: true, skip_empty_lines: true });

const STATES = {
  alabama: 'AL',
  alaska: 'AK',
  arizona: 'AZ',
  arkansas: 'AR',
  california: 'CA',
  colorado: 'CO',
  connecticut: 'CT',
  delaware: 'DE',
  'district of columbia': 'DC',
  florida: 'FL',
  georgia: 'GA',
  hawaii: 'HI',
  idaho: 'ID',
  illinois: 'IL',
  indiana: 'IN',
  iowa: 'IA',
  kansas: 'KS',
  kentucky: 'KY',
  louisiana: 'LA',
  maine: 'ME',
  maryland: 'MD',
  massachusetts: 'MA',
  michigan: 'MI',
  minnesota: 'MN',
  mississippi: 'MS',
  missouri: 'MO',
  montana: 'MT',
  nebraska: 'NE',
  nevada: 'NV',
  'new hampshire': 'NH',
  'new jersey': 'NJ',
  'new mexico': 'NM',
  'new york': 'NY',
  'north carolina': 'NC',
  'north dakota': 'ND',
  ohio: 'OH',
  oklahoma: 'OK',
  oregon: 'OR',
  pennsylvania: 'PA',
  'rhode island': 'RI',
  'south carolina': 'SC',
  'south dakota': 'SD',
  tennessee: 'TN',
  texas: 'TX',
  utah: 'UT',
  vermont: 'VT',
  virginia: 'VA',
  washington: 'WA',
  'west virginia': 'WV',
  wisconsin: 'WI',
  wyoming: 'WY',
  'puerto rico': 'PR',
  guam: 'GU',
  'virgin islands': 'VI',
};
const ABBREVIATIONS = new Set(Object.values(STATES));
const titleCase = (s) => s.toLowerCase().replace(/(^|[\s-])\p{L}/gu, (m) => m.toUpperCase());
const stateName = (abbreviation) =>
  ABBREVIATIONS.has(abbreviation)
    ? titleCase(Object.keys(STATES).find((k) => STATES[k] === abbreviation))
    : null;

/** "Rochester, MN" from a city and a state written either way, or null. */
function place(city, state) {
  const c = typeof city === 'string' ? city.trim() : '';
  const s = typeof state === 'string' ? state.trim() : '';
  const st = ABBREVIATIONS.has(s.toUpperCase()) ? s.toUpperCase() : STATES[s.toLowerCase()];
  if (!c || !st || !/^[\p{L}][\p{L} .'-]{1,40}$/u.test(c)) return null;
  return `${c === c.toUpperCase() || c === c.toLowerCase() ? titleCase(c) : c}, ${st}`;
}

/** A readable name, or null for the ids and test entries some lists carry instead of one. */
function readable(name) {
  if (typeof name !== 'string') return null;
  const n = name.replace(/\s+/g, ' ').trim();
  if (n.length < 2 || n.length > 160 || !/\p{L}{2}/u.test(n)) return null;
  if (/^[0-9a-f-]{20,}$/i.test(n) || /^O-/.test(n)) return null;
  if (/\b(test|sandbox|demo|dev\d*)\b/i.test(n)) return null;
  return n;
}

/** The address as an R4 FHIR base, or null for DSTU2/STU3 ones and anything not https. */
function r4Base(url) {
  if (typeof url !== 'string' || !/^https:\/\//i.test(url.trim())) return null;
  const base = url.trim().replace(/\/*$/, '/');
  if (/dstu2|argonaut|stu3|\/fhir\/fhir\d*\/|fhirroute\/fhir\//i.test(base)) return null;
  try {
    const url = new URL(base);
    // A host without a dot is inside someone's network, out of a patient's reach.
    return url.hostname.includes('.') ? url.href : null;
  } catch {
    return null;
  }
}

// ZIP code → city and state, from the addresses CMS gathered (the most common spelling wins).
const zipPlaces = new Map();
{
  const counts = new Map();
  for (const a of readCsv('cms-npd-ehr-fhir/distinct_addresses.csv')) {
    const zip = /^(\d{5})/.exec(a.postal_code ?? '')?.[1];
    const p = place(a.city, a.state);
    if (!zip || !p) continue;
    const key = `${zip}\t${p}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const best = new Map();
  for (const [key, n] of counts) {
    const [zip, p] = key.split('\t');
    if (!best.has(zip) || best.get(zip).n < n) best.set(zip, { p, n });
  }
  for (const [zip, { p }] of best) zipPlaces.set(zip, p);
}
const zipPlace = (zip) => zipPlaces.get(/^(\d{5})/.exec(zip ?? '')?.[1]) ?? null;

// Vendors: id → the name people and developer portals use.
const vendorNames = new Map([
  ['epic', 'Epic'],
  ['oracle-health', 'Oracle Health (Cerner)'],
  ['eclinicalworks', 'eClinicalWorks (healow)'],
  ['veradigm', 'Veradigm (Allscripts)'],
  ['athenahealth', 'athenahealth'],
  ['meditech', 'MEDITECH'],
  ['smart-sandbox', 'SMART Health IT sandbox'],
  ['advancedmd', 'AdvancedMD'],
  ['drchrono', 'DrChrono'],
  ['nextgen-healthcare', 'NextGen Healthcare'],
  ['dox-emr', 'DOX EMR'],
  ['curemd-com', 'CureMD'],
  ['intelichart', 'InteliChart'],
  ['wrs-health', 'WRS Health'],
  ['mckesson-specialty-health-technology-products-llc-ontada', 'McKesson Ontada'],
]);

/** Every institution by FHIR base and name: the same place from two lists becomes one row. */
const byKey = new Map();
function add({ name, base, vendor, place: where = null, system = null }) {
  const n = readable(name);
  if (!n || !base) return;
  const key = `${base}\t${n.toLowerCase()}`;
  const had = byKey.get(key);
  if (had) {
    had.place ??= where;
    had.system ??= system;
    return;
  }
  byKey.set(key, { name: n, base, vendor, place: where, system });
}

// mere-medical
const cernerPlaces = new Map();
for (const { resource } of readJson('mere-medical/cerner-raw/RawDSTU2Endpoints.json').entry) {
  const address = resource.contained?.[0]?.address?.[0];
  if (address) cernerPlaces.set(resource.id, place(address.city, address.state));
}
for (const e of readJson('mere-medical/epic/R4Endpoints.json')) {
  const system = readable(e.managingOrganization);
  add({ name: e.name, base: r4Base(e.url), vendor: 'epic', system: system !== e.name ? system : null });
}
for (const e of readJson('mere-medical/cerner/R4Endpoints.json')) {
  add({ name: e.name, base: r4Base(e.url), vendor: 'oracle-health', place: cernerPlaces.get(e.id) ?? null });
}
for (const e of readJson('mere-medical/healow/R4Endpoints.json')) {
  add({ name: e.name, base: r4Base(e.url), vendor: 'eclinicalworks' });
}
for (const e of readJson('mere-medical/veradigm-r4-branch/R4Endpoints.json')) {
  add({ name: e.name, base: r4Base(e.url), vendor: 'veradigm' });
}
// athenahealth serves every practice from one address; the practice is picked in its sign-in.
const ATHENA = 'https://api.platform.athenahealth.com/fhir/r4/';
for (const name of Object.values(readJson('mere-medical/athena/Organizations.json'))) {
  add({ name, base: ATHENA, vendor: 'athenahealth' });
}

// Lantern: one file per vendor (some split in two); the vendor id comes from the file name.
const LANTERN_VENDORS = {
  Epic_Systems_Corporation: 'epic',
  Cerner_Corporation: 'oracle-health',
  eClinicalWorks_LLC: 'eclinicalworks',
  Veradigm: 'veradigm',
  athenahealth_Inc: 'athenahealth',
  Medical_Information_Technology_Inc_MEDITECH: 'meditech',
};
const LANTERN_SKIPPED = /^(1Up|Medicaid|Medicare)/;
for (const file of readdirSync(join(root, 'lantern')).sort()) {
  const m = /^(.*?)(_\d+)?_?EndpointSources\.json$/.exec(file);
  if (!m || LANTERN_SKIPPED.test(file)) continue;
  const developer = m[1];
  const vendor =
    LANTERN_VENDORS[developer] ??
    developer
      .replace(/_(Inc|LLC|Corporation|Part_of_the_.*)$/i, '')
      .replace(/_/g, '-')
      .toLowerCase();
  if (!vendorNames.has(vendor)) {
    vendorNames.set(vendor, developer.replace(/_(Inc|LLC|Corporation)$/i, '').replace(/_/g, ' '));
  }
  for (const e of readJson(`lantern/${file}`).Endpoints ?? []) {
    // athenahealth's names often start with their state ("NC - Sollus Pediatrics").
    const state = /^([A-Z]{2}) - (.+)$/.exec(e.OrganizationName ?? '');
    const name = state && ABBREVIATIONS.has(state[1]) ? state[2] : e.OrganizationName;
    const where = zipPlace(e.OrganizationZipCode) ?? (state ? stateName(state[1]) : null);
    add({ name, base: r4Base(e.URL), vendor, place: where });
  }
}

// CMS: organisations found behind EHR vendors' FHIR endpoints, with their addresses.
{
  const addressOf = new Map();
  for (const a of readCsv('cms-npd-ehr-fhir/distinct_addresses.csv')) {
    addressOf.set(a.address_hash, place(a.city, a.state));
  }
  const orgPlace = new Map();
  for (const link of readCsv('cms-npd-ehr-fhir/org_to_address.csv')) {
    if (!orgPlace.get(link.org_id)) orgPlace.set(link.org_id, addressOf.get(link.address_hash) ?? null);
  }
  const CMS_VENDORS = { flatiron_health: 'flatiron-health', office_practicum: 'office-practicum' };
  for (const o of readCsv('cms-npd-ehr-fhir/distinct_organizations.csv')) {
    if (o.active === 'False') continue;
    const base = r4Base(o.org_id.split(/\/Organization\b/)[0]);
    if (!base) continue;
    const vendor =
      CMS_VENDORS[o.vendor_name] ?? o.vendor_name.replace(/_(inc|llc|com_inc)$/, '').replace(/_/g, '-');
    if (!vendorNames.has(vendor)) {
      const words = titleCase(o.vendor_name.replace(/_/g, ' ')).replace(
        / (Llc|Inc|Com Inc|Co Ltd|Pllc)$/,
        '',
      );
      vendorNames.set(vendor, words.replace(/\bEhr\b/g, 'EHR').replace(/\bMd\b/g, 'MD'));
    }
    add({ name: o.org_name, base, vendor, place: orgPlace.get(o.org_id) ?? null });
  }
}

// Places from Lantern's 1Up list. Its endpoints are left out (an aggregator's copy of other
// vendors' lists, mostly DSTU2), but it carries ZIP codes for entries the vendors' own lists give
// without a place (Epic's above all): joined by the same address (a DSTU2 address by its R4 twin,
// as Epic and MEDITECH name them), or by the same name on the same site, never by a name alone (two practices
// called "Family Medical Center" are not one).
{
  const twin = (url) =>
    url
      .trim()
      .replace(/\/*$/, '/')
      .replace(/\/api\/FHIR\/DSTU2\/$/i, '/api/FHIR/R4/')
      // MEDITECH's: /v2/argonaut/v1 (DSTU2) beside /v1/uscore/R4 on the same host.
      .replace(/\/v[12]\/argonaut\/v1\/$/i, '/v1/uscore/R4/')
      .toLowerCase();
  // The site (its last two labels: mayo.edu) rather than the host, as a health system serves
  // its DSTU2 and R4 APIs from different hosts of its own domain.
  const hostOf = (url) => {
    try {
      return new URL(url).hostname.toLowerCase().split('.').slice(-2).join('.');
    } catch {
      return null;
    }
  };
  const byAddress = new Map();
  const byHostName = new Map();
  for (const e of readJson('lantern/1UpEndpointSources.json').Endpoints ?? []) {
    const where = zipPlace(e.OrganizationZipCode);
    if (!where || typeof e.URL !== 'string') continue;
    byAddress.set(twin(e.URL), where);
    const name = readable(e.OrganizationName)?.toLowerCase();
    const host = hostOf(e.URL);
    if (!name || !host) continue;
    const key = `${host}\t${name}`;
    // A name on one site with two places is not a place.
    byHostName.set(key, byHostName.has(key) && byHostName.get(key) !== where ? null : where);
  }
  for (const row of byKey.values()) {
    row.place ??=
      byAddress.get(row.base.toLowerCase()) ??
      byHostName.get(`${hostOf(row.base)}\t${row.name.toLowerCase()}`) ??
      null;
  }
}

// One portal, one health system (User-access Brands): where the lists name the system behind an
// address (Epic's managingOrganization), every institution reached through that address is part
// of it, the Lantern entries that carry no system included.
{
  const systemOf = new Map();
  for (const row of byKey.values()) {
    if (row.system && !systemOf.has(row.base)) systemOf.set(row.base, row.system);
  }
  // "Kaiser Permanente – Georgia" is the system "Kaiser Permanente - Georgia" itself, not part of it.
  const same = (a, b) =>
    a.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '') === b.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
  for (const row of byKey.values()) {
    const system = systemOf.get(row.base);
    if (!row.system && system && !same(system, row.name)) row.system = system;
  }
}

// Added past the filter that drops test entries: this one is a test server on purpose.
byKey.set('smart-sandbox', {
  name: 'SMART Health IT sandbox (test patients)',
  base: 'https://launch.smarthealthit.org/v/r4/fhir/',
  vendor: 'smart-sandbox',
  place: null,
  system: null,
});

const rows = [...byKey.values()].sort(
  (a, b) => a.name.localeCompare(b.name, 'en') || a.base.localeCompare(b.base),
);
// Rows a person could not tell apart get the part of the address that differs.
const alike = new Map();
for (const r of rows) {
  const key = `${r.name.toLowerCase()}\t${r.system ?? ''}\t${r.place ?? ''}`;
  alike.set(key, [...(alike.get(key) ?? []), r]);
}
for (const group of alike.values()) {
  if (group.length < 2) continue;
  for (const r of group) {
    r.note = r.base
      .replace(/^https:\/\//, '')
      .replace(/\/(api\/)?fhir\/r4\/$/i, '')
      .replace(/\/$/, '');
  }
}

// Compact form: repeated strings (places, systems, vendors, address prefixes) are listed once.
const table = () => {
  const list = [];
  const index = new Map();
  return {
    list,
    of(s) {
      if (s == null) return -1;
      if (!index.has(s)) index.set(s, list.push(s) - 1);
      return index.get(s);
    },
  };
};
const places = table();
const systems = table();
const vendorsUsed = table();
const prefixes = table();
const packed = rows.map((r) => {
  const cut = r.base.lastIndexOf('/', r.base.length - 2) + 1;
  const row = [
    r.name,
    places.of(r.place),
    systems.of(r.system),
    vendorsUsed.of(r.vendor),
    prefixes.of(r.base.slice(0, cut)),
    r.base.slice(cut),
  ];
  if (r.note) row.push(r.note);
  return row;
});
const perVendor = {};
const placedPerVendor = {};
for (const r of rows) {
  perVendor[r.vendor] = (perVendor[r.vendor] ?? 0) + 1;
  if (r.place) placedPerVendor[r.vendor] = (placedPerVendor[r.vendor] ?? 0) + 1;
}
const vendorList = vendorsUsed.list.map((id) => [id, vendorNames.get(id) ?? id]);

const licences = [
  ['mere-medical/LICENSE', 'LICENSE.mere-medical.txt'],
  ['lantern/LICENSE', 'LICENSE.lantern.txt'],
  ['lantern/NOTICE.md', 'NOTICE.lantern.md'],
  ['cms-npd-ehr-fhir/LICENSE', 'LICENSE.cms-npd-ehr-fhir.txt'],
];
for (const [from, to] of licences) writeFileSync(join(out, to), readFileSync(join(root, from)));

const module = `// Generated by build/make-institution-directory.mjs; do not edit by hand.
// Sources and their licences (copied beside this file):
// - mere-medical (https://github.com/cfu288/mere-medical), MIT: LICENSE.mere-medical.txt
// - ONC Lantern (https://github.com/onc-healthit/lantern-back-end), Apache-2.0:
//   LICENSE.lantern.txt and NOTICE.lantern.md
// - CMS npd_ehr_fhir_npi_slurp (https://github.com/DSACMS/npd_ehr_fhir_npi_slurp), CC0-1.0:
//   LICENSE.cms-npd-ehr-fhir.txt
// Institutions per vendor: ${JSON.stringify(perVendor)}

/** Rows: [name, place, system, vendor, address prefix, address rest, note?]; -1 is none. */
export type DirectoryRow = [string, number, number, number, number, string, string?];

export const directoryData = JSON.parse(
  ${JSON.stringify(
    JSON.stringify({
      vendors: vendorList,
      places: places.list,
      systems: systems.list,
      prefixes: prefixes.list,
      rows: packed,
    }),
  )},
) as {
  vendors: [string, string][];
  places: string[];
  systems: string[];
  prefixes: string[];
  rows: DirectoryRow[];
};
`;
const target = join(out, 'institutions.generated.ts');
writeFileSync(target, module);
execFileSync('npx', ['prettier', '--write', target], { stdio: 'ignore' });
const withPlace = rows.filter((r) => r.place).length;
console.log(
  `${rows.length} institutions (${withPlace} with a place), ${(statSync(target).size / 1e6).toFixed(2)} MB`,
);
console.log(
  Object.entries(perVendor)
    .sort((a, b) => b[1] - a[1])
    .map(([v, n]) => `${vendorNames.get(v) ?? v}: ${n} (${placedPerVendor[v] ?? 0} with a place)`)
    .join('\n'),
);
