import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleEntryTexts, nestedBundleTexts } from '../../electron/core/records/bundle-texts.js';
import { fixtures } from '../../testkit/fixture-paths.js';

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsonFiles(path);
    return name.endsWith('.json') ? [path] : [];
  });
}

/** What JSON.parse makes of each entry's resource, against what the texts parse to. */
function expectSameAsParse(text: string): void {
  const bundle = JSON.parse(text) as { entry?: { resource?: unknown }[] };
  const texts = bundleEntryTexts(text);
  expect(texts).not.toBeNull();
  expect(texts!.length).toBe(bundle.entry?.length ?? 0);
  (bundle.entry ?? []).forEach((entry, i) => {
    const resource = entry?.resource;
    if (resource !== null && typeof resource === 'object' && !Array.isArray(resource)) {
      expect(JSON.parse(texts![i]!)).toEqual(resource);
    } else {
      expect(texts![i]).toBeUndefined();
    }
  });
}

describe("a Bundle entry's resource as its sender wrote it", () => {
  it('keeps the text itself: spacing, key order and number forms', () => {
    const text = `{
      "resourceType" : "Bundle",
      "entry": [
        { "fullUrl": "urn:a", "resource": {"resourceType":"Observation", "id":"a",  "valueQuantity":{"value":1.50E2}} },
        {"resource":
          {
            "id": "b",
            "resourceType": "Condition"
          }
        }
      ]
    }`;
    expect(bundleEntryTexts(text)).toEqual([
      '{"resourceType":"Observation", "id":"a",  "valueQuantity":{"value":1.50E2}}',
      `{
            "id": "b",
            "resourceType": "Condition"
          }`,
    ]);
  });

  it('is not misled by braces, brackets and quotes inside strings, or by escaped keys', () => {
    const text = JSON.stringify({
      resourceType: 'Bundle',
      meta: { tag: [{ code: '} ] { [' }] },
      entry: [
        {
          resource: {
            resourceType: 'Observation',
            id: 'x',
            note: [{ text: 'a "quoted" \\ back\\slash }]' }],
          },
        },
        { request: { method: 'DELETE', url: 'Observation/y' } },
        { resource: 'not an object' },
        { resource: { resourceType: 'Patient', id: 'p', name: [{ text: 'Zoë \u2028 \\"' }] } },
      ],
    });
    expectSameAsParse(text);
    // A key written with an escape is still "resource" to JSON.parse, and so here.
    const escaped =
      '{"resourceType":"Bundle","entry":[{"re\\u0073ource":{"resourceType":"Patient","id":"e"}}]}';
    expect(bundleEntryTexts(escaped)).toEqual(['{"resourceType":"Patient","id":"e"}']);
  });

  it('takes the last of repeated keys, as JSON.parse does', () => {
    const text =
      '{"entry":[{"resource":{"id":"first"},"resource":{"id":"second"}}],"resourceType":"Bundle","entry":[{"resource":{"id":"third"}}]}';
    expectSameAsParse(text);
    expect(bundleEntryTexts(text)).toEqual(['{"id":"third"}']);
  });

  it('matches JSON.parse on every fixture Bundle, R4, STU3 and DSTU2', () => {
    const files = jsonFiles(join(fixtures, 'fhir'));
    let bundles = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      const value = JSON.parse(text) as { resourceType?: string };
      if (value.resourceType !== 'Bundle') continue;
      bundles++;
      expectSameAsParse(text);
      // The same, pretty-printed the way some servers answer.
      expectSameAsParse(JSON.stringify(value, null, 2));
    }
    expect(bundles).toBeGreaterThan(5);
  });

  it('gives up, rather than guess, on what is not a Bundle-shaped JSON object', () => {
    for (const text of [
      '',
      '[]',
      '{"entry": {"resource": {}}}',
      '{"entry": [ {"resource": {"id": "a"} ]}',
      '{"a":1} x',
    ]) {
      expect(bundleEntryTexts(text), text).toBeNull();
    }
    expect(bundleEntryTexts('{"resourceType":"Bundle"}')).toBeNull();
    expect(bundleEntryTexts('{"resourceType":"Bundle","entry":[]}')).toEqual([]);
  });

  it('finds the texts of Bundles inside Bundles in the same pass, as deep as asked', () => {
    const inner =
      '{"resourceType":"Bundle", "entry":[{"resource":{"resourceType":"Condition","id":"c"}}, {"resource" :{"resourceType":"Bundle","entry":[{"resource":{"id":"deepest"}}]}}]}';
    const text = `{"entry":[{"resource":{"resourceType":"Observation","id":"o"}},{"fullUrl":"x","resource":${inner}}],"resourceType":"Bundle"}`;
    const parsed = JSON.parse(text) as unknown;
    const found = nestedBundleTexts(text, parsed, 3);
    expect(found?.texts).toEqual(['{"resourceType":"Observation","id":"o"}', inner]);
    expect(found?.inner[0]).toBeNull();
    expect(found?.inner[1]?.texts).toEqual([
      '{"resourceType":"Condition","id":"c"}',
      '{"resourceType":"Bundle","entry":[{"resource":{"id":"deepest"}}]}',
    ]);
    expect(found?.inner[1]?.inner[1]?.texts).toEqual(['{"id":"deepest"}']);
    // Two levels asked: the innermost Bundle is not walked.
    expect(nestedBundleTexts(text, parsed, 2)?.inner[1]?.inner[1]).toBeNull();
    // What JSON.parse kept of repeated keys, and nothing when the counts disagree.
    const repeated = '{"entry":[{"resource":{"id":"first"}}],"entry":[{"resource":{"id":"last"}}]}';
    expect(nestedBundleTexts(repeated, JSON.parse(repeated), 2)?.texts).toEqual(['{"id":"last"}']);
    expect(nestedBundleTexts(text, { entry: [{}] }, 2)).toBeNull();
  });
});
