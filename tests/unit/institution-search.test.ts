import { describe, expect, it } from 'vitest';
import { vendorOf } from '../../electron/core/smart/client-registration.js';
import {
  allInstitutions,
  directoryVendors,
  searchInstitutions,
} from '../../electron/core/smart/directory/institution-directory.js';

const looks = (i: { name: string; system: string | null; place: string | null; note: string | null }) =>
  [i.name.toLowerCase(), i.system, i.place, i.note].join(' | ');

describe('searching the institution directory', () => {
  it('finds Mayo Clinic in Rochester for “Mayo Rochester”, its two addresses told apart', () => {
    const found = searchInstitutions('Mayo Rochester', 10);
    expect(found[0]).toMatchObject({ name: 'Mayo Clinic', vendor: 'epic', place: 'Rochester, MN' });
    const mayo = found.filter((i) => i.name === 'Mayo Clinic');
    expect(mayo.length).toBe(2);
    expect(new Set(mayo.map((i) => i.note)).size).toBe(2);
  });

  it('finds Boston Children’s Hospital first, with or without the apostrophe', () => {
    for (const query of ["Boston Children's", 'Boston Children’s', 'boston childrens', 'Boston Chil']) {
      expect(searchInstitutions(query, 10)[0], query).toMatchObject({
        name: "Boston Children's Hospital",
        vendor: 'epic',
      });
    }
  });

  it('finds places in Chicago for “Chicago”, by their city where the lists give one', () => {
    const found = searchInstitutions('Chicago', 20);
    expect(found[0]!.place).toBe('Chicago, IL');
    for (const institution of found.slice(0, 10)) {
      expect(`${institution.name} ${institution.place ?? ''}`).toMatch(/chicago|illinois|, IL$/i);
    }
  });

  it('finds a hospital by its state written out', () => {
    const found = searchInstitutions('Rochester Minnesota', 20);
    expect(found.length).toBeGreaterThan(0);
    for (const institution of found) expect(institution.place).toMatch(/, MN$|^Minnesota$/);
  });

  it('never lists two results a person could not tell apart', () => {
    for (const query of [
      'Mayo Clinic',
      "Boston Children's",
      'Chicago',
      'Kaiser',
      'Providence',
      'UW Health',
    ]) {
      const found = searchInstitutions(query, 50);
      expect(new Set(found.map(looks)).size, query).toBe(found.length);
    }
  });

  it('groups an institution under its health system, as User-access Brands do', () => {
    const franciscan = searchInstitutions("Franciscan Children's", 5)[0]!;
    expect(franciscan).toMatchObject({ system: "Boston Children's Hospital", vendor: 'epic' });
    const found = searchInstitutions("Boston Children's", 10);
    expect(found.filter((i) => i.system === "Boston Children's Hospital").length).toBeGreaterThan(0);
    // An entry Lantern lists on a portal whose health system Epic names is grouped under it too.
    expect(searchInstitutions("UCSF Benioff Children's", 5)[0]).toMatchObject({
      name: "UCSF Benioff Children's Hospital",
      system: 'UCSF Health',
    });
  });

  it('gives Epic, MEDITECH and other institutions a place where any list carries one', () => {
    const placed = (vendor: string) => allInstitutions().filter((i) => i.vendor === vendor && i.place).length;
    expect(placed('epic')).toBeGreaterThan(250);
    expect(placed('meditech')).toBeGreaterThan(10);
    expect(searchInstitutions('Brooklyn Hospital Center', 5)[0]).toMatchObject({
      vendor: 'epic',
      place: 'Brooklyn, NY',
    });
  });

  it('holds every vendor list brought in, each institution on an https R4 address', () => {
    const perVendor = new Map<string, number>();
    for (const i of allInstitutions()) perVendor.set(i.vendor, (perVendor.get(i.vendor) ?? 0) + 1);
    expect(perVendor.get('epic')).toBeGreaterThan(1000);
    expect(perVendor.get('oracle-health')).toBeGreaterThan(1500);
    expect(perVendor.get('eclinicalworks')).toBeGreaterThan(5000);
    expect(perVendor.get('athenahealth')).toBeGreaterThan(20000);
    expect(perVendor.get('meditech')).toBeGreaterThan(300);
    expect(directoryVendors().length).toBeGreaterThan(50);
    expect(
      allInstitutions().every((i) => i.fhirBase.startsWith('https://') && i.fhirBase.endsWith('/')),
    ).toBe(true);
  });

  it('knows a listed address’s vendor, so its vendor’s client id applies', () => {
    expect(vendorOf('https://fhir4.healow.com/fhir/r4/AACJCD/')).toBe('eclinicalworks');
    expect(vendorOf('https://api.platform.athenahealth.com/fhir/r4')).toBe('athenahealth');
    expect(vendorOf('https://fhir.unlisted-hospital.example/r4/')).toBe('other');
  });

  it('answers nothing for nothing', () => {
    expect(searchInstitutions('   ')).toEqual([]);
    expect(searchInstitutions('’')).toEqual([]);
  });
});
