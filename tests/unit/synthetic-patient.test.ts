import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { recordColumns } from '../../electron/core/records/record-columns.js';
import {
  OBSERVATION_MIX,
  RARE_LAB_TERM,
  RESOURCE_MIX,
  generatePatient,
  syntheticBatches,
  syntheticResources,
  type FhirResource,
} from '../../testkit/synthetic-patient.js';

function digest(resources: Iterable<FhirResource>): string {
  const hash = createHash('sha256');
  for (const r of resources) hash.update(JSON.stringify(r)).update('\n');
  return hash.digest('hex');
}

function references(resource: FhirResource): string | undefined {
  const ref = (resource.subject ?? resource.patient) as { reference?: unknown } | undefined;
  return typeof ref?.reference === 'string' ? ref.reference : undefined;
}

describe('synthetic patient generator', () => {
  it('returns the Patient and N-1 other resources', () => {
    const { patient, resources } = generatePatient({ seed: 1, resources: 250 });
    expect(patient.resourceType).toBe('Patient');
    expect(resources).toHaveLength(249);
    expect(resources.every((r) => r.resourceType !== 'Patient')).toBe(true);
    expect(generatePatient({ seed: 1, resources: 1 }).resources).toEqual([]);
  });

  it('gives byte-identical output for the same seed, in every form', () => {
    const options = { seed: 20240611, resources: 3000 };
    const a = generatePatient(options);
    const b = generatePatient(options);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const fromArray = digest([a.patient, ...a.resources]);
    expect(digest(syntheticResources(options))).toBe(fromArray);
    expect(digest([...syntheticBatches(options, 128)].flat())).toBe(fromArray);
  });

  it('gives different patients for different seeds', () => {
    const a = generatePatient({ seed: 1, resources: 200 });
    const b = generatePatient({ seed: 2, resources: 200 });
    expect(JSON.stringify(b)).not.toBe(JSON.stringify(a));
    expect(b.patient.id).not.toBe(a.patient.id);
  });

  it('is a prefix of itself: a smaller patient is the start of a larger one', () => {
    // So a test can ask for a few hundred records and still see what the benchmark's million start with.
    const small = generatePatient({ seed: 9, resources: 500 });
    const large = generatePatient({ seed: 9, resources: 2000 });
    expect(JSON.stringify(large.resources.slice(0, 499))).toBe(JSON.stringify(small.resources));
  });

  it('gives every resource a type, a unique id and a reference to the Patient', () => {
    const { patient, resources } = generatePatient({ seed: 7, resources: 20_000 });
    const ids = new Set<string>([patient.id]);
    for (const r of resources) {
      expect(typeof r.resourceType).toBe('string');
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(r.id);
      expect(references(r)).toBe(`Patient/${patient.id}`);
    }
    expect(ids.size).toBe(resources.length + 1);
  });

  it('follows the documented mix of types and observation kinds', () => {
    const { resources } = generatePatient({ seed: 11, resources: 40_001 });
    const n = resources.length;
    const byType = new Map<string, number>();
    const byObservationKind = new Map<string, number>();
    for (const r of resources) {
      byType.set(r.resourceType, (byType.get(r.resourceType) ?? 0) + 1);
      if (r.resourceType === 'Observation') {
        const kind = (r.category as { coding: { code: string }[] }[])[0]!.coding[0]!.code;
        byObservationKind.set(kind, (byObservationKind.get(kind) ?? 0) + 1);
      }
    }
    expect(new Set(byType.keys())).toEqual(new Set(Object.keys(RESOURCE_MIX)));
    for (const [type, perMille] of Object.entries(RESOURCE_MIX)) {
      // Binomial noise at 40k draws is well under a tenth of the smallest share (2%).
      expect(Math.abs((byType.get(type) ?? 0) / n - perMille / 1000), type).toBeLessThan(
        (perMille / 1000) * 0.1,
      );
    }
    const observations = byType.get('Observation')!;
    expect(observations / n).toBeGreaterThan(0.48);
    expect(observations / n).toBeLessThan(0.52);
    for (const [kind, perMille] of Object.entries(OBSERVATION_MIX)) {
      const share = (byObservationKind.get(kind) ?? 0) / observations;
      expect(Math.abs(share - perMille / 1000), kind).toBeLessThan((perMille / 1000) * 0.15);
    }
  });

  it('spreads records over twenty years and reads as the timeline would show it', () => {
    const { patient, resources } = generatePatient({ seed: 5, resources: 10_000 });
    expect(recordColumns(patient).display).not.toBe('Patient');
    const categories = new Set<string>();
    let first = '9999';
    let last = '0000';
    let bloodPressure = 0;
    for (const r of resources) {
      const c = recordColumns(r);
      expect(c.sortDate, `${r.resourceType} has a date`).not.toBe('');
      expect(c.display).not.toBe('');
      categories.add(c.category);
      if (c.sortDate < first) first = c.sortDate;
      if (c.sortDate > last) last = c.sortDate;
      if (r.resourceType === 'Observation' && c.display === 'Blood pressure') {
        bloodPressure++;
        // Components, not a single value: "124/79 mm[Hg]".
        expect(c.valueText).toMatch(/^\d+\/\d+ /);
      }
    }
    expect(bloodPressure).toBeGreaterThan(0);
    // A chronic problem's onset may come up to 400 days before the first visit that records it.
    expect(first >= '2003-11-01' && first < '2006-01-01', first).toBe(true);
    expect(last >= '2024-01-01' && last <= '2025-01-02', last).toBe(true);
    for (const c of [
      'labs',
      'vitals',
      'social-history',
      'visits',
      'medications',
      'conditions',
      'procedures',
    ]) {
      expect(categories, c).toContain(c);
    }
    for (const c of ['immunizations', 'documents', 'allergies', 'care-plans'])
      expect(categories, c).toContain(c);
  });

  it('gives labs codes, units, reference ranges and interpretations, some abnormal', () => {
    const { resources } = generatePatient({ seed: 3, resources: 5_000 });
    const labs = resources.filter(
      (r) => r.resourceType === 'Observation' && JSON.stringify(r.category).includes('"laboratory"'),
    );
    expect(labs.length).toBeGreaterThan(1000);
    let abnormal = 0;
    for (const lab of labs) {
      const code = lab.code as { coding: { system: string; code: string }[] };
      expect(code.coding[0]!.system).toBe('http://loinc.org');
      expect(lab.valueQuantity).toMatchObject({ system: 'http://unitsofmeasure.org' });
      expect(Array.isArray(lab.referenceRange)).toBe(true);
      expect(Array.isArray(lab.interpretation)).toBe(true);
      if (recordColumns(lab).abnormal) abnormal++;
    }
    expect(abnormal / labs.length).toBeGreaterThan(0.03);
    expect(abnormal / labs.length).toBeLessThan(0.4);
  });

  it('makes the rare search term rare but present at benchmark sizes', () => {
    let rare = 0;
    let n = 0;
    for (const r of syntheticResources({ seed: 1, resources: 100_000 })) {
      n++;
      if (JSON.stringify(r).toLowerCase().includes(RARE_LAB_TERM)) rare++;
    }
    expect(rare).toBeGreaterThan(0);
    expect(rare / n).toBeLessThan(0.001);
  });

  it('attaches small base64 text notes to documents', () => {
    const { resources } = generatePatient({ seed: 4, resources: 2_000 });
    const docs = resources.filter((r) => r.resourceType === 'DocumentReference');
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      const attachment = (doc.content as { attachment: { data: string; contentType: string } }[])[0]!
        .attachment;
      expect(attachment.contentType).toMatch(/^text\/plain/);
      const text = Buffer.from(attachment.data, 'base64').toString('utf8');
      expect(Buffer.from(text, 'utf8').toString('base64')).toBe(attachment.data);
      expect(text.length).toBeGreaterThan(100);
      expect(text.length).toBeLessThan(2000);
    }
  });

  it('refuses nonsense sizes', () => {
    expect(() => generatePatient({ seed: 1, resources: 0 })).toThrow(RangeError);
    expect(() => generatePatient({ seed: 1, resources: 1.5 })).toThrow(RangeError);
  });
});
