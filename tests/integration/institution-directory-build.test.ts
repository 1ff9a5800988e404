import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The directory's generator, run on excerpts of the real endpoint lists (tests/fixtures/endpoints,
 * see SOURCES.md there): places joined from where the lists carry them, payer and aggregator
 * lists and DSTU2 addresses left out, look-alike entries told apart, and the licences copied.
 */
type Data = {
  vendors: [string, string][];
  places: string[];
  systems: string[];
  prefixes: string[];
  rows: [string, number, number, number, number, string, string?][];
};
type Row = { name: string; place?: string; system?: string; vendor: string; fhirBase: string; note?: string };

const fixtures = join(repoRoot, 'tests/fixtures/endpoints');

describe('building the institution directory from the endpoint lists', () => {
  let out: string;
  let rows: Row[];
  let header: string;

  beforeAll(async () => {
    out = tempDir('phr-vault-directory-');
    const run = spawnSync(
      process.execPath,
      [join(repoRoot, 'build/make-institution-directory.mjs'), fixtures, out],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const file = join(out, 'institutions.generated.ts');
    header = readFileSync(file, 'utf8').slice(0, 2000);
    const { directoryData: d } = (await import(pathToFileURL(file).href)) as { directoryData: Data };
    rows = d.rows.map(([name, place, system, vendor, prefix, rest, note]) => ({
      name,
      place: d.places[place],
      system: d.systems[system],
      vendor: d.vendors[vendor]![0],
      fhirBase: `${d.prefixes[prefix]}${rest}`,
      note,
    }));
  });

  it('gives Oracle Health institutions the place of their tenant in the raw bundle', () => {
    expect(rows.find((r) => r.name === 'Northern Light Mayo Hospital')).toMatchObject({
      vendor: 'oracle-health',
      place: 'Dover - Foxcroft, ME',
    });
  });

  it('turns Lantern’s ZIP codes into cities with the CMS addresses, and athenahealth’s state prefixes into states', () => {
    const ecw = rows.filter(
      (r) => r.vendor === 'eclinicalworks' && r.fhirBase.includes('eclinicalworks.com'),
    );
    expect(ecw.some((r) => /^[\p{L} .'-]+, [A-Z]{2}$/u.test(r.place ?? ''))).toBe(true);
    expect(rows.find((r) => r.name === 'Sollus Pediatrics')).toMatchObject({
      vendor: 'athenahealth',
      place: 'North Carolina',
    });
    expect(rows.some((r) => r.name.startsWith('NC - '))).toBe(false);
  });

  it('takes CMS’s active organisations with their addresses, and leaves the inactive ones', () => {
    const cms = rows.filter((r) => r.vendor === 'advancedmd' || r.vendor === 'nextgen-healthcare');
    expect(cms.length).toBe(5);
    expect(cms.every((r) => r.place)).toBe(true);
  });

  it('leaves out payer and aggregator lists, DSTU2 addresses and plain http', () => {
    expect(rows.some((r) => r.fhirBase.includes('alaskafhir'))).toBe(false);
    expect(rows.some((r) => /dstu2|argonaut/i.test(r.fhirBase))).toBe(false);
    expect(rows.every((r) => r.fhirBase.startsWith('https://') && r.fhirBase.endsWith('/'))).toBe(true);
  });

  it('makes one entry of the same place from two lists, and tells look-alikes apart by address', () => {
    // Lantern lists Mayo Clinic's R4 address in two files, mere-medical another address.
    const mayo = rows.filter((r) => r.name === 'Mayo Clinic');
    expect(mayo.map((r) => r.fhirBase).sort()).toEqual([
      'https://mcc.api.mayo.edu/epic-fhir/api/FHIR/R4/',
      'https://tls.mcc.apix.mayo.edu/epic-fhir/api/FHIR/R4/',
    ]);
    expect(mayo.map((r) => r.note).sort()).toEqual([
      'mcc.api.mayo.edu/epic-fhir',
      'tls.mcc.apix.mayo.edu/epic-fhir',
    ]);
    expect(rows.filter((r) => r.name === 'The Brooklyn Hospital Center')).toHaveLength(1);
    expect(rows.find((r) => r.name === 'AACI')?.note).toBeUndefined();
    expect(rows.find((r) => r.name === "Franciscan Children's Hospital")).toMatchObject({
      system: "Boston Children's Hospital",
    });
  });

  it('gives Epic entries the place Lantern’s 1Up list carries for them: by the R4 twin of its address, or by name on the same site', () => {
    // 1Up lists The Brooklyn Hospital Center's DSTU2 address with ZIP 11201, Mayo Clinic on another
    // mayo.edu host with 55902; Epic's own lists give neither a place.
    expect(rows.find((r) => r.name === 'The Brooklyn Hospital Center')).toMatchObject({
      vendor: 'epic',
      place: 'Brooklyn, NY',
    });
    const mayo = rows.filter((r) => r.name === 'Mayo Clinic');
    expect(mayo.map((r) => r.place)).toEqual(['Rochester, MN', 'Rochester, MN']);
    // 1Up's own addresses are still not listed.
    expect(rows.some((r) => r.fhirBase.includes('pep.api.mayo.edu'))).toBe(false);
  });

  it('puts every institution reached through one portal under the health system the lists name for it', () => {
    // Epic's list names UCSF Health as the system behind UCSF's address; Lantern lists two more
    // names there, one of them the system itself.
    const ucsf = rows.filter((r) => r.fhirBase === 'https://unified-api.ucsf.edu/clinical/apex/api/FHIR/R4/');
    expect(ucsf.map((r) => [r.name, r.system])).toEqual([
      ['UCSF', 'UCSF Health'],
      ["UCSF Benioff Children's Hospital", 'UCSF Health'],
      ['UCSF Health', undefined],
    ]);
  });

  it('copies each source’s licence and notice beside the module, and names them in it', () => {
    for (const [from, to] of [
      ['mere-medical/LICENSE', 'LICENSE.mere-medical.txt'],
      ['lantern/LICENSE', 'LICENSE.lantern.txt'],
      ['lantern/NOTICE.md', 'NOTICE.lantern.md'],
      ['cms-npd-ehr-fhir/LICENSE', 'LICENSE.cms-npd-ehr-fhir.txt'],
    ]) {
      expect(readFileSync(join(out, to!), 'utf8')).toBe(readFileSync(join(fixtures, from!), 'utf8'));
      expect(header).toContain(to);
    }
    expect(header).toMatch(/Institutions per vendor: \{.*"epic":\d+/);
  });
});
