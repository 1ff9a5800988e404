import { Ajv } from 'ajv';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fixtures } from './temp-dir.js';

/**
 * Validators for what the export writes, run from the project's own copies of the standards
 * (tests/fixtures/cda-schema, ccda-schematron, fhir-schema) so the tests need nothing outside it.
 */
const run = promisify(execFile);
const BIG = { maxBuffer: 256 * 1024 * 1024 };

export const CDA_XSD = `${fixtures}cda-schema/SDTC/infrastructure/cda/CDA_SDTC.xsd`;
const SCHEMATRON_KIT = `${fixtures}ccda-schematron/iso-schematron-xslt1/`;
const CCDA_SCH = `${fixtures}ccda-schematron/ccda-2.1/Consolidated CDA Templates for Clinical Notes (US Realm) DSTU R2.1.sch`;
const FHIR_SCHEMA = `${fixtures}fhir-schema/fhir.schema.json`;

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** xmllint against the CDA R2 schema with SDTC extensions: the errors, or [] when valid. */
export async function cdaSchemaErrors(file: string): Promise<string[]> {
  try {
    await run('xmllint', ['--noout', '--nonet', '--schema', CDA_XSD, file], BIG);
    return [];
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? error);
    return stderr.split('\n').filter((l) => l.trim() !== '' && !l.endsWith('fails to validate'));
  }
}

/**
 * Compiles the C-CDA R2.1 schematron's errors phase to XSLT 1.0 (ISO skeleton, as in
 * VALIDATING.md; iso_dsdl_include is skipped: the .sch has no includes and that step overflows
 * xsltproc's recursion limit). Once per test file: it takes a few seconds.
 */
export async function compileSchematron(dir: string): Promise<string> {
  const expanded = join(dir, 'ccda21.expanded.sch');
  const compiled = join(dir, 'ccda21-errors.xsl');
  const a = await run('xsltproc', [`${SCHEMATRON_KIT}iso_abstract_expand.xsl`, CCDA_SCH], BIG);
  writeFileSync(expanded, a.stdout);
  const b = await run(
    'xsltproc',
    ['--stringparam', 'phase', 'errors', `${SCHEMATRON_KIT}iso_svrl_for_xslt1.xsl`, expanded],
    BIG,
  );
  writeFileSync(compiled, b.stdout);
  return compiled;
}

export type FailedAssert = { conf: string; text: string; needsValueSets: boolean; location: string };

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** The failed asserts of the errors phase, each tagged with whether it needs the absent voc.xml. */
export async function schematronErrors(compiled: string, file: string): Promise<FailedAssert[]> {
  // xsltproc warns on stderr that voc.xml cannot be loaded; the SVRL on stdout is the result.
  const { stdout } = await run('xsltproc', [compiled, file], BIG);
  const out: FailedAssert[] = [];
  for (const m of stdout.matchAll(/<svrl:failed-assert\b([^>]*)>([\s\S]*?)<\/svrl:failed-assert>/g)) {
    const attrs = m[1] ?? '';
    const text = decode((m[2] ?? '').replace(/<[^>]+>/g, ' '))
      .replace(/\s+/g, ' ')
      .trim();
    const test = decode(/\btest="([^"]*)"/.exec(attrs)?.[1] ?? '');
    const confs = text.match(/CONF:[\d-]+/g) ?? [];
    out.push({
      conf: confs.at(-1) ?? '?',
      text,
      needsValueSets: test.includes('voc.xml'),
      location: decode(/\blocation="([^"]*)"/.exec(attrs)?.[1] ?? ''),
    });
  }
  return out;
}

/** Per section of a CDA document: its LOINC code, its entry count and every code in its entries. */
const READ_BACK = `<?xml version="1.0"?>
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:h="urn:hl7-org:v3">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:for-each select="/h:ClinicalDocument/h:component/h:structuredBody/h:component/h:section">
      <xsl:text>SECTION </xsl:text><xsl:value-of select="h:code/@code"/><xsl:text> </xsl:text>
      <xsl:value-of select="count(h:entry)"/><xsl:text>&#10;</xsl:text>
      <xsl:for-each select="h:entry//*[@code and @codeSystem]">
        <xsl:text>CODE </xsl:text><xsl:value-of select="@code"/><xsl:text>&#10;</xsl:text>
      </xsl:for-each>
    </xsl:for-each>
  </xsl:template>
</xsl:stylesheet>`;

export type SectionReadBack = { entries: number; codes: Set<string> };

export async function readBackCcd(dir: string, file: string): Promise<Map<string, SectionReadBack>> {
  const xsl = join(dir, 'read-back.xsl');
  writeFileSync(xsl, READ_BACK);
  const { stdout } = await run('xsltproc', [xsl, file], BIG);
  const sections = new Map<string, SectionReadBack>();
  let current: SectionReadBack | undefined;
  for (const line of stdout.split('\n')) {
    const [kind, a, b] = line.split(' ');
    if (kind === 'SECTION' && a) {
      current = { entries: Number(b), codes: new Set() };
      sections.set(a, current);
    } else if (kind === 'CODE' && a && current) current.codes.add(a);
  }
  return sections;
}

export type FhirSchema = {
  /** The whole resource against the schema's root (a oneOf over every resource type). */
  validate(resource: unknown): boolean;
  /** The errors of the last `validate`. */
  errors(): unknown[];
  /** Readable errors: one resource against its own type's definition. */
  resourceErrors(resource: { resourceType?: unknown }): string[];
};

/**
 * The FHIR R4 JSON schema under ajv 8. The HL7 file names itself with draft-04's `id`; ajv wants
 * `$id`, so it is renamed in memory (the file stays byte for byte). Compiling takes seconds: once
 * per test file.
 */
export function compileFhirSchema(): FhirSchema {
  const schema = JSON.parse(readFileSync(FHIR_SCHEMA, 'utf8')) as Record<string, unknown>;
  if (schema.id && !schema.$id) {
    schema.$id = schema.id;
    delete schema.id;
  }
  const ajv = new Ajv({ strict: false, allErrors: false });
  const require = createRequire(import.meta.url);
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  const validate = ajv.compile(schema);
  const base = String(schema.$id);
  return {
    validate: (resource) => validate(resource),
    errors: () => validate.errors ?? [],
    resourceErrors(resource) {
      const check = ajv.getSchema(`${base}#/definitions/${String(resource.resourceType)}`);
      if (!check) return [`unknown resourceType ${String(resource.resourceType)}`];
      if (check(resource)) return [];
      return (check.errors ?? []).map(
        (e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
    },
  };
}

/** Text of a PDF, by poppler's pdftotext. */
export async function pdfText(file: string): Promise<string> {
  const { stdout } = await run('pdftotext', ['-layout', file, '-'], BIG);
  return stdout;
}

/** Runs async work over items, `limit` at a time: the CI machine has two cores. */
export async function inPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * The errors-phase asserts that cannot pass here: each tests a code against a value set read
 * with document('voc.xml'), and voc.xml is not in the HL7 repository snapshot we have (it is
 * over the snapshot's size limit). Without it the lookup finds nothing, so every such assert
 * fails whatever the document says. The codes we write for them are the standard ones:
 * - CONF:1098-7497, CONF:1198-8827 moodCode in MoodCodeEvnInt (we write EVN or INT only)
 * - CONF:1198-14848, CONF:1198-14849 statusCode in Result Status (we write completed, active,
 *   cancelled or aborted)
 * - CONF:1198-19086 statusCode in ProblemAct statusCode (we write active or completed)
 * Any other failed assert, or one of these that does not read voc.xml, fails the test.
 */
export const NEEDS_VALUE_SETS = new Set([
  'CONF:1098-7497',
  'CONF:1198-8827',
  'CONF:1198-14848',
  'CONF:1198-14849',
  'CONF:1198-19086',
]);
