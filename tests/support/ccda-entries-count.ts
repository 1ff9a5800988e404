import { DOMParser, type Element } from '@xmldom/xmldom';

/**
 * Counts a C-CDA's coded entries section by section, by the C-CDA templates and apart from the
 * importer, so a test can hold what the importer stored against what the document says. A
 * concern act counts each observation it holds (a problem list's act holds the problems); a
 * results organizer counts as the report plus each result; a vital-signs organizer counts each
 * reading; a family history organizer counts as one history; an encounter counts with the
 * diagnoses it carries; a coverage act counts each policy; any other statement counts once.
 */

const V3 = 'urn:hl7-org:v3';
const WRAPPERS = {
  allergy: ['2.16.840.1.113883.10.20.22.4.30'],
  condition: [
    '2.16.840.1.113883.10.20.22.4.3',
    '2.16.840.1.113883.10.20.22.4.132',
    '2.16.840.1.113883.10.20.22.4.34',
    '2.16.840.1.113883.10.20.22.4.33',
    '2.16.840.1.113883.10.20.22.4.80',
    '2.16.840.1.113883.10.20.22.4.51',
    '2.16.840.1.113883.10.20.22.4.65',
  ],
};

const els = (node: Element | null | undefined, name?: string): Element[] => {
  const out: Element[] = [];
  for (let at = node?.firstChild; at; at = at.nextSibling) {
    const el = at as Element;
    if (at.nodeType === 1 && el.namespaceURI === V3 && (!name || el.localName === name)) out.push(el);
  }
  return out;
};
const el = (node: Element | null | undefined, ...path: string[]): Element | null =>
  path.reduce<Element | null>((at, name) => (at ? (els(at, name)[0] ?? null) : null), node ?? null);
const templates = (e: Element | null) => els(e, 'templateId').map((t) => t.getAttribute('root') ?? '');
const has = (e: Element | null, roots: string[]) => templates(e).some((t) => roots.includes(t));
const codes = (c: Element | null): string[] =>
  c ? [c, ...els(c, 'translation')].map((x) => (x.getAttribute('code') ?? '').trim()).filter(Boolean) : [];
const inner = (e: Element, name: string) => els(e, 'entryRelationship').flatMap((r) => els(r, name));
const planned = (e: Element) =>
  ['INT', 'RQO', 'PRMS', 'PRP', 'ARQ', 'APT'].includes(e.getAttribute('moodCode') ?? '');

function allergyCodes(obs: Element): string[] {
  const substance = el(obs, 'participant', 'participantRole', 'playingEntity', 'code');
  const own = codes(substance);
  return own.length > 0 ? own : codes(el(obs, 'value'));
}

export type SectionCount = { code: string | null; title: string; entries: number; codes: string[] };

function statementCount(s: Element, sectionCode: string | null): { entries: number; codes: string[] } {
  const name = s.localName;
  if (name === 'act' && has(s, WRAPPERS.allergy)) {
    const obs = inner(s, 'observation');
    return { entries: obs.length, codes: obs.flatMap(allergyCodes) };
  }
  if (name === 'act' && has(s, WRAPPERS.condition)) {
    const obs = inner(s, 'observation');
    return { entries: obs.length, codes: obs.flatMap((o) => codes(el(o, 'value'))) };
  }
  if (name === 'act' && has(s, ['2.16.840.1.113883.10.20.22.4.60'])) {
    const policies = inner(s, 'act').filter((a) => has(a, ['2.16.840.1.113883.10.20.22.4.61']));
    return { entries: policies.length, codes: policies.flatMap((a) => codes(el(a, 'code'))) };
  }
  if (name === 'observation' && has(s, ['2.16.840.1.113883.10.20.22.4.7']))
    return { entries: 1, codes: allergyCodes(s) };
  if (
    name === 'observation' &&
    has(s, ['2.16.840.1.113883.10.20.22.4.4']) &&
    sectionCode !== '18776-5' &&
    sectionCode !== '61146-7'
  )
    return { entries: 1, codes: codes(el(s, 'value')) };
  if (name === 'organizer') {
    const components = els(s, 'component').flatMap((c) => els(c, 'observation'));
    if (has(s, ['2.16.840.1.113883.10.20.22.4.45']) || sectionCode === '10157-6')
      return { entries: 1, codes: components.flatMap((o) => codes(el(o, 'value'))) };
    const readings = components.flatMap((o) => codes(el(o, 'code')));
    if (has(s, ['2.16.840.1.113883.10.20.22.4.26']) || sectionCode === '8716-3')
      return { entries: components.length, codes: readings };
    return { entries: components.length + 1, codes: [...codes(el(s, 'code')), ...readings] };
  }
  if (name === 'encounter' && !planned(s)) {
    const diagnoses = inner(s, 'act')
      .filter((a) => has(a, ['2.16.840.1.113883.10.20.22.4.80']))
      .flatMap((a) => inner(a, 'observation'));
    return {
      entries: 1 + diagnoses.length,
      codes: [...codes(el(s, 'code')), ...diagnoses.flatMap((o) => codes(el(o, 'value')))],
    };
  }
  if (name === 'substanceAdministration')
    return {
      entries: 1,
      codes: codes(el(s, 'consumable', 'manufacturedProduct', 'manufacturedMaterial', 'code')),
    };
  if (name === 'supply') {
    const device = el(s, 'participant', 'participantRole', 'playingDevice', 'code');
    const product = el(s, 'product', 'manufacturedProduct', 'manufacturedMaterial', 'code');
    return { entries: 1, codes: codes(device ?? product ?? el(s, 'code')) };
  }
  if (['act', 'observation', 'procedure', 'encounter'].includes(name ?? ''))
    return { entries: 1, codes: codes(el(s, 'code')) };
  return { entries: 0, codes: [] };
}

/** Every section, nested ones included, in document order, with its entries and their codes. */
export function countCcdaEntries(xml: string): SectionCount[] {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement as Element;
  const out: SectionCount[] = [];
  const walk = (container: Element | null) => {
    for (const section of els(container, 'component').flatMap((c) => els(c, 'section'))) {
      const code = el(section, 'code')?.getAttribute('code') ?? null;
      const tally = els(section, 'entry')
        .map((entry) => els(entry)[0])
        .filter((s): s is Element => !!s)
        .map((s) => statementCount(s, code));
      out.push({
        code,
        title: el(section, 'title')?.textContent?.trim() ?? '',
        entries: tally.reduce((n, t) => n + t.entries, 0),
        codes: tally.flatMap((t) => t.codes),
      });
      walk(section);
    }
  };
  walk(el(root, 'component', 'structuredBody'));
  return out;
}
