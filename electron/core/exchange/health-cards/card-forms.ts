import { VaultError } from '../../errors.js';
import { isObject } from '../../records/fhir-values.js';
import { isNumericQr, jwsFromQrParts, readQrPart, type QrPart } from './numeric-qr.js';
import { isJpeg, isPdf, isPng } from './picture-kinds.js';

/**
 * Every form a SMART Health Card reaches a patient in, down to its JWS (one or several cards):
 * a `.smart-health-card` file, the answer of a FHIR server's `$health-cards-issue`, the JWS text,
 * the `shc:/` text of its QR code (one code or a card split over several), and a picture of the
 * QR code (PNG or JPEG) or a PDF with one on its pages.
 */

/** More than any wallet export holds; bounds the work one file can ask for. */
export const MAX_CARDS_PER_FILE = 100;
/** Text forms: a file of a hundred cards is a few hundred kilobytes. */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export type CardForm = 'file' | 'fhir-parameters' | 'jws' | 'qr-text' | 'qr-picture' | 'pdf';

/**
 * A picture or PDF whose QR code is a SMART Health Link rather than a card: the link's text goes
 * back to the import, which opens the link (health-links/) instead.
 */
export class HealthLinkInPicture extends VaultError {
  constructor(readonly link: string) {
    super('bad-input', 'This file holds a SMART Health Link (a link to records), not a health card.');
  }
}

const isLinkText = (text: string) => /^(?:https?:\/\/[^\s#]+#)?shlink:\//.test(text.trim());

const notACard = (why = 'is not a SMART Health Card') => new VaultError('bad-input', `This file ${why}.`);

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Whether a file holds health cards, for telling formats apart: any picture might show one; a
 * PDF is more often something else, so it is not claimed here.
 */
export function isHealthCardContent(bytes: Uint8Array): boolean {
  if (isPng(bytes) || isJpeg(bytes)) return true;
  if (isPdf(bytes)) return false;
  try {
    readTextForms(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return true;
  } catch {
    return false;
  }
}

/**
 * A file's cards: whole JWS, and the parts of a card split over several QR codes, which may need
 * other files (one picture per code) to be whole.
 */
export type CardsInFile = { form: CardForm; jws: string[]; parts: QrPart[] };

export async function readCardForms(bytes: Buffer): Promise<CardsInFile> {
  if (isPng(bytes) || isJpeg(bytes)) {
    // The decoders load only when a picture comes: telling formats apart stays cheap.
    const { pictureFrom, qrTextIn } = await import('./qr-images.js');
    const text = qrTextIn(pictureFrom(bytes));
    if (text === null) throw notACard('shows no QR code that could be read');
    if (isLinkText(text)) throw new HealthLinkInPicture(text.trim());
    if (!isNumericQr(text)) throw notACard(qrElse(text));
    return { form: 'qr-picture', ...jwsFromQrTexts([text]) };
  }
  if (isPdf(bytes)) {
    const [{ picturesInPdf }, { qrTextIn }] = await Promise.all([
      import('./pdf-pictures.js'),
      import('./qr-images.js'),
    ]);
    const texts = (await picturesInPdf(bytes)).map(qrTextIn).filter((t): t is string => t !== null);
    const cards = texts.filter(isNumericQr);
    const link = texts.find(isLinkText);
    if (cards.length === 0 && link !== undefined) throw new HealthLinkInPicture(link.trim());
    if (cards.length === 0)
      throw notACard(
        texts.length > 0
          ? qrElse(texts[0]!)
          : 'is a PDF with no health card QR code on its pages that could be read',
      );
    return { form: 'pdf', ...jwsFromQrTexts(cards) };
  }
  return readTextForms(bytes);
}

function readTextForms(bytes: Buffer): CardsInFile {
  if (bytes.length > MAX_TEXT_BYTES) throw notACard('is far larger than a file of health cards');
  // A byte-order mark before the file's text is an editor's habit, not part of the card.
  const text = bytes
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim();
  if (text.startsWith('{')) return fromJson(text);
  if (isNumericQr(text)) return { form: 'qr-text', ...jwsFromQrTexts(text.split(/\s+/)) };
  const lines = text.split(/\s+/).filter((l) => l !== '');
  if (lines.length > 0 && lines.every((l) => JWS_SHAPE.test(l)))
    return { form: 'jws', jws: bounded(lines), parts: [] };
  if (/^shlink:\//i.test(text) || /#shlink:\//i.test(text)) throw notACard(qrElse(text));
  throw notACard();
}

function qrElse(text: string): string {
  return /shlink:\//i.test(text)
    ? 'holds a SMART Health Link (a link to records), not a health card'
    : 'shows a QR code that is not a SMART Health Card';
}

function bounded(jws: string[]): string[] {
  if (jws.length > MAX_CARDS_PER_FILE) throw notACard(`holds more than ${MAX_CARDS_PER_FILE} health cards`);
  return jws;
}

function jwsFromQrTexts(texts: readonly string[]): { jws: string[]; parts: QrPart[] } {
  const parts = texts.filter((t) => t !== '').map(readQrPart);
  const jws = parts.filter((p) => p.total === 1).map((p) => jwsFromQrParts([p]));
  return { jws: bounded(jws), parts: parts.filter((p) => p.total > 1) };
}

function fromJson(text: string): CardsInFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw notACard('is not readable JSON, so it is not a health card file');
  }
  if (!isObject(value)) throw notACard();
  if (Array.isArray(value.verifiableCredential)) {
    const jws = value.verifiableCredential;
    if (jws.length === 0) throw notACard('is a health card file that holds no card');
    if (!jws.every((j): j is string => typeof j === 'string' && JWS_SHAPE.test(j.trim())))
      throw notACard('is a health card file whose cards are not signed cards (JWS)');
    return { form: 'file', jws: bounded(jws.map((j) => j.trim())), parts: [] };
  }
  // The answer of a FHIR server's $health-cards-issue operation.
  if (value.resourceType === 'Parameters' && Array.isArray(value.parameter)) {
    const jws = value.parameter
      .filter((p) => isObject(p) && p.name === 'verifiableCredential')
      .map((p) => (p as { valueString?: unknown }).valueString);
    if (jws.length === 0) throw notACard('is a FHIR Parameters answer that holds no health card');
    if (!jws.every((j): j is string => typeof j === 'string' && JWS_SHAPE.test(j.trim())))
      throw notACard('is a FHIR Parameters answer whose cards are not signed cards (JWS)');
    return { form: 'fhir-parameters', jws: bounded(jws.map((j) => j.trim())), parts: [] };
  }
  throw notACard();
}
