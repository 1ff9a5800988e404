import { appVersion } from '../../app-version.js';
import type { VaultDatabase } from '../../vault/database.js';
import { getPerson } from '../../vault/persons.js';
import { writeCcd } from './ccda/ccd-document.js';
import { stableUuid } from './ccda/cda-values.js';
import type {
  ExportFormat,
  ExportIssue,
  ExportOutcome,
  ExportPreview,
  ExportProgress,
  ExportSelection,
  SectionCount,
} from './export-request.js';
import { writeFhirBundle } from './fhir-bundle.js';
import { summarise } from './health-summary.js';
import { issueGroups } from './left-out-words.js';
import { writePatientSummary } from './patient-summary.js';
import { PRINTED_WHEN_EMPTY, writePrintableSummary } from './printable-summary.js';
import { requireSomething, selectRecords, type RecordSelection } from './selection.js';

export type ExportOptions = {
  now?: Date;
  onProgress?: (progress: ExportProgress) => void;
};

const MEDIA_TYPES: Record<ExportFormat, string> = {
  ccda: 'application/xml',
  fhir: 'application/fhir+json',
  ips: 'application/fhir+json',
  pdf: 'application/pdf',
};

const EXTENSIONS: Record<ExportFormat, string> = {
  ccda: 'xml',
  fhir: 'json',
  ips: 'json',
  pdf: 'pdf',
};

/** A file name that says whose summary it is and when it was made, safe on every file system. */
export function suggestedFileName(name: string, format: ExportFormat, now: Date): string {
  const safe =
    name
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .replace(/[^\w.-]+/g, '-')
      // No leading dot: the file must not come out hidden, nor look like a relative path.
      .replace(/^[-.]+|[-.]+$/g, '') || 'health-record';
  const kind = { ccda: 'ccd', fhir: 'fhir-bundle', ips: 'patient-summary', pdf: 'summary' }[format];
  return `${safe}-${kind}-${now.toISOString().slice(0, 10)}.${EXTENSIONS[format]}`;
}

/** The name and kind of file the save dialog offers, before any record is read. */
export function exportSuggestion(
  db: VaultDatabase,
  format: ExportFormat,
  personId: number,
  now = new Date(),
): { fileName: string; mediaType: string } {
  return {
    fileName: suggestedFileName(getPerson(db, personId).name, format, now),
    mediaType: MEDIA_TYPES[format],
  };
}

/**
 * The vault's identity for stable document ids: the file's own creation time and first person
 * never change, and say nothing about the records.
 */
function idSeed(db: VaultDatabase): string {
  const row = db.prepare('SELECT min(created_at) AS created FROM persons').get() as {
    created: string | null;
  };
  return stableUuid('phr-vault', row.created ?? '');
}

type Written = { bytes: Buffer; sections: SectionCount[]; issues: ExportIssue[] };

async function write(
  db: VaultDatabase,
  format: ExportFormat,
  chosen: RecordSelection,
  selection: ExportSelection,
  now: Date,
  progress: (done: number, total: number) => void,
): Promise<Written> {
  switch (format) {
    case 'ccda': {
      const summary = summarise(chosen);
      const doc = writeCcd(summary, chosen.patient, {
        now,
        appVersion: appVersion(),
        idSeed: idSeed(db),
        from: selection.from,
        to: selection.to,
        onSection: progress,
      });
      return { bytes: Buffer.from(doc.xml, 'utf8'), sections: doc.sections, issues: doc.issues };
    }
    case 'fhir': {
      const bundle = writeFhirBundle(chosen, { now, appVersion: appVersion() });
      return {
        bytes: Buffer.from(JSON.stringify(bundle.bundle, null, 2), 'utf8'),
        sections: bundle.sections,
        issues: bundle.issues,
      };
    }
    case 'ips': {
      const summary = summarise(chosen);
      const ips = writePatientSummary(summary, chosen.patient, { now, appVersion: appVersion() });
      return {
        bytes: Buffer.from(JSON.stringify(ips.bundle, null, 2), 'utf8'),
        sections: ips.sections,
        issues: ips.issues,
      };
    }
    case 'pdf': {
      const summary = summarise(chosen);
      const pdf = await writePrintableSummary(summary, chosen, { now, appVersion: appVersion() });
      return { bytes: pdf.bytes, sections: pdf.sections, issues: summary.issues };
    }
  }
}

/**
 * Makes the document a new provider receives, as bytes. Its callers write them where the person
 * chose: the command line's --out, or the path from the shell's save dialog (`export.toFile`),
 * so no path ever travels from the page to the core.
 */
export async function exportRecords(
  db: VaultDatabase,
  format: ExportFormat,
  selection: ExportSelection,
  options: ExportOptions = {},
): Promise<ExportOutcome> {
  const now = options.now ?? new Date();
  options.onProgress?.({ stage: 'reading', done: 0, total: 1 });
  const chosen = selectRecords(db, selection);
  requireSomething(chosen);
  options.onProgress?.({ stage: 'reading', done: 1, total: 1 });
  const written = await write(db, format, chosen, selection, now, (done, total) =>
    options.onProgress?.({ stage: 'writing', done, total }),
  );
  options.onProgress?.({ stage: 'done', done: 1, total: 1 });
  return {
    format,
    mediaType: MEDIA_TYPES[format],
    fileName: suggestedFileName(chosen.patient.name, format, now),
    bytes: written.bytes,
    records: chosen.records.length,
    sections: written.sections,
    issues: written.issues,
    groups: issueGroups(written.issues),
  };
}

/**
 * What an export would hold. The document is really written (cheap next to reading the records),
 * so the counts and the list of what could not be said are exactly the export's, never an
 * estimate; only the PDF's page layout is skipped, its sections being the summary's.
 */
export async function previewExport(
  db: VaultDatabase,
  format: ExportFormat,
  selection: ExportSelection,
): Promise<ExportPreview> {
  if (format === 'pdf') {
    const chosen = selectRecords(db, selection);
    requireSomething(chosen);
    const summary = summarise(chosen);
    return {
      format,
      records: chosen.records.length,
      sections: summary.sections
        .filter((s) => s.entries.length > 0 || PRINTED_WHEN_EMPTY.has(s.key))
        .map((s) => ({ key: s.key, title: s.title, entries: s.entries.length })),
      issues: summary.issues,
      groups: issueGroups(summary.issues),
    };
  }
  const outcome = await exportRecords(db, format, selection);
  const { records, sections, issues, groups } = outcome;
  return { format, records, sections, issues, groups };
}
