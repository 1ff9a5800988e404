import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import { isObject, str } from '../../records/fhir-values.js';
import type { SectionCount } from './export-request.js';
import { SECTION_TITLES, type HealthSummary, type SummarySection } from './health-summary.js';
import type { RecordSelection } from './selection.js';

/**
 * The printed summary: what a patient can hand over on paper, or show on a screen, when the
 * practice cannot take a file. The text is set in DejaVu Sans, shipped with the app (an npm
 * package): it covers Latin, Greek and Cyrillic scripts in full, so a name like "Σοφία" or
 * "Ærøskøbing" prints as written, writing needs no network and no system fonts, and the app and
 * the command line, which both call this, make the same document.
 */
export type PrintOptions = { now: Date; appVersion: string };

const MARGIN = 48;
const FONT = 'Body';
const BOLD = 'Body-Bold';
const FONT_FOLDER = join(
  dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
);
/** Sections a reader must see even when empty: "no information" is itself information. */
export const PRINTED_WHEN_EMPTY: ReadonlySet<string> = new Set(['allergies', 'medications', 'problems']);

/**
 * DejaVu Sans has no CJK or Indic glyphs; rather than print empty boxes, such characters are
 * marked "?" (the record itself keeps them, and the C-CDA and FHIR exports carry them).
 */
export function printable(text: string): string {
  return text.replace(
    /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Devanagari}\p{Script=Thai}]/gu,
    '?',
  );
}

/**
 * The most of one text a table cell (or a line) lays out: a few lines of the column, the rest cut
 * with "…". pdfkit lays out whatever it is given, and a record holding megabytes in one field would
 * grow the document to gigabytes; the record itself is kept whole, and the FHIR export carries it.
 */
export const MAX_CELL_CHARS = 600;

export function cellText(text: string, max = MAX_CELL_CHARS): string {
  return printable(text.length > max ? `${text.slice(0, max - 1)}…` : text);
}

function patientLine(chosen: RecordSelection): string {
  const p = chosen.patient.patient;
  const parts: string[] = [];
  const birth = (p && str(p.birthDate)) ?? chosen.patient.birthDate;
  if (birth) parts.push(`Born ${birth}`);
  const gender = p && str(p.gender);
  if (gender) parts.push(gender.charAt(0).toUpperCase() + gender.slice(1));
  const address = p && Array.isArray(p.address) ? p.address.find(isObject) : undefined;
  if (address) {
    const city = [str(address.city), str(address.state)].filter(Boolean).join(', ');
    if (city) parts.push(city);
  }
  return parts.join(' · ');
}

export async function writePrintableSummary(
  summary: HealthSummary,
  chosen: RecordSelection,
  options: PrintOptions,
): Promise<{ bytes: Buffer; sections: SectionCount[] }> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: printable(`Health summary of ${chosen.patient.name}`),
      Author: `PHR Vault ${options.appVersion}`,
      Creator: `PHR Vault ${options.appVersion}`,
      CreationDate: options.now,
    },
  });
  doc.registerFont(FONT, join(FONT_FOLDER, 'DejaVuSans.ttf'));
  doc.registerFont(BOLD, join(FONT_FOLDER, 'DejaVuSans-Bold.ttf'));
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  const width = doc.page.width - 2 * MARGIN;
  doc
    .font(BOLD)
    .fontSize(20)
    .text(printable(`Health summary: ${chosen.patient.name}`));
  doc.font(FONT).fontSize(10).fillColor('#333333');
  const line = patientLine(chosen);
  if (line) doc.text(cellText(line));
  doc.text(`Made on ${options.now.toISOString().slice(0, 10)} by PHR Vault from the patient's own records.`);
  const sources = [...new Set(chosen.records.map((r) => r.source.label))];
  doc.text(printable(`Sources: ${sources.join('; ') || 'none'}`));
  doc.fillColor('black').moveDown();

  const sections: SectionCount[] = [];
  for (const section of summary.sections) {
    if (section.entries.length === 0 && !PRINTED_WHEN_EMPTY.has(section.key)) continue;
    sections.push({ key: section.key, title: section.title, entries: section.entries.length });
    writeSection(doc, section, width);
  }
  if (summary.issues.length > 0) writeLeftOut(doc, summary, width);

  // Page numbers go on last, when the number of pages is known.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font(FONT)
      .fontSize(8)
      .fillColor('#555555')
      .text(
        printable(`${chosen.patient.name} · Page ${i + 1} of ${range.count}`),
        MARGIN,
        doc.page.height - MARGIN + 16,
        { width, align: 'center', lineBreak: false },
      );
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  await finished;
  return { bytes: Buffer.concat(chunks), sections };
}

type Doc = InstanceType<typeof PDFDocument>;

function ensureRoom(doc: Doc, height: number): boolean {
  if (doc.y + height > doc.page.height - MARGIN) {
    doc.addPage();
    return true;
  }
  return false;
}

function heading(doc: Doc, title: string): void {
  ensureRoom(doc, 48);
  doc.moveDown(0.5).font(BOLD).fontSize(13).fillColor('black').text(printable(title), MARGIN);
  doc.moveDown(0.25);
}

/** Column widths in proportion to what they hold: the first (the name) gets the most room. */
function columnWidths(columns: string[], width: number): number[] {
  const weights = columns.map((c, i) => (i === 0 ? 3 : c === 'Source' ? 1.6 : c === 'Date' ? 1.1 : 1.4));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (w / total) * width);
}

function row(doc: Doc, cells: string[], widths: number[], bold: boolean): void {
  doc.font(bold ? BOLD : FONT).fontSize(8.5);
  const texts = cells.map((cell) => cellText(cell));
  const height =
    Math.max(...texts.map((t, i) => doc.heightOfString(t || ' ', { width: (widths[i] ?? 50) - 6 }))) + 6;
  const y = doc.y;
  let x = MARGIN;
  texts.forEach((t, i) => {
    doc.text(t, x + 3, y + 3, { width: (widths[i] ?? 50) - 6 });
    x += widths[i] ?? 50;
  });
  doc
    .moveTo(MARGIN, y + height)
    .lineTo(MARGIN + widths.reduce((a, b) => a + b, 0), y + height)
    .lineWidth(0.4)
    .strokeColor(bold ? '#000000' : '#bbbbbb')
    .stroke();
  doc.x = MARGIN;
  doc.y = y + height;
}

function writeSection(doc: Doc, section: SummarySection, width: number): void {
  heading(doc, section.title);
  if (section.entries.length === 0) {
    doc.font(FONT).fontSize(10).text('No information', MARGIN);
    return;
  }
  const widths = columnWidths(section.columns, width);
  row(doc, section.columns, widths, true);
  for (const entry of section.entries) {
    if (entry.report) {
      if (ensureRoom(doc, 40)) row(doc, section.columns, widths, true);
      doc
        .font(BOLD)
        .fontSize(8.5)
        .text(cellText(entry.report.title), MARGIN + 3, doc.y + 3);
      doc.x = MARGIN;
    }
    for (const r of entry.rows) {
      if (ensureRoom(doc, 30)) row(doc, section.columns, widths, true);
      row(doc, r.cells, widths, false);
    }
  }
}

function writeLeftOut(doc: Doc, summary: HealthSummary, width: number): void {
  heading(doc, 'Not in this summary');
  doc
    .font(FONT)
    .fontSize(9)
    .text(
      `${summary.issues.length} record(s) from the vault could not be shown in the sections above (${Object.values(SECTION_TITLES).length} kinds of record are). They are listed here so nothing is missing without a word.`,
      MARGIN,
      doc.y,
      { width },
    );
  doc.moveDown(0.5);
  const widths = columnWidths(['Record', 'Why'], width);
  row(doc, ['Record', 'Why'], widths, true);
  const shown = summary.issues.slice(0, 300);
  for (const issue of shown) {
    if (ensureRoom(doc, 30)) row(doc, ['Record', 'Why'], widths, true);
    row(doc, [issue.title, issue.reason], widths, false);
  }
  if (summary.issues.length > shown.length) {
    doc.moveDown(0.5).text(`… and ${summary.issues.length - shown.length} more.`, MARGIN);
  }
}
