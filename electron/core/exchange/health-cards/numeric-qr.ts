import { VaultError } from '../../errors.js';

/**
 * The `shc:/` text a health card's QR code holds: each character of the JWS as two digits (its
 * code minus 45), after `shc:/` or, for a card split over several codes (allowed by older
 * versions of the standard), `shc:/<part>/<of>/`. Written by hand: the encoding is four lines
 * of the standard and no maintained package reads it.
 */

export type QrPart = { index: number; total: number; digits: string };

/** The standard allowed at most this many codes for one card; more is not a card. */
const MAX_PARTS = 30;
/** A JWS in one code of version 22 at most; several codes add up to this many parts of it. */
const MAX_DIGITS = MAX_PARTS * 2 * 1195;

const refuse = (why: string) => new VaultError('bad-input', `Its QR code ${why}.`);

export function isNumericQr(text: string): boolean {
  return /^\s*shc:/i.test(text);
}

/** One code's text; `shc:/…` with nothing after the digits but spacing. */
export function readQrPart(text: string): QrPart {
  const trimmed = text.trim();
  const match = /^shc:\/(?:(\d{1,3})\/(\d{1,3})\/)?(\d*)$/i.exec(trimmed);
  if (!match) {
    if (!/^shc:\//i.test(trimmed)) throw refuse('does not start with shc:/');
    throw refuse('holds something other than digits after shc:/');
  }
  const digits = match[3]!;
  const index = match[1] === undefined ? 1 : Number(match[1]);
  const total = match[2] === undefined ? 1 : Number(match[2]);
  if (match[1] !== undefined && total < 2)
    throw refuse('says it is part of one, which is not how a card is split');
  if (total > MAX_PARTS)
    throw refuse(`says the card is split into ${total} codes, more than the standard allows`);
  if (index < 1 || index > total) throw refuse(`says it is part ${index} of ${total}`);
  if (digits.length === 0) throw refuse('is empty after shc:/');
  if (digits.length % 2 !== 0) throw refuse('has an odd number of digits, so it was cut or mistyped');
  if (digits.length > MAX_DIGITS) throw refuse('is longer than any health card');
  return { index, total, digits };
}

/** The JWS of one card from all its codes' parts, in any order. */
export function jwsFromQrParts(parts: readonly QrPart[]): string {
  const total = parts[0]!.total;
  const byIndex = new Map<number, QrPart>();
  for (const part of parts) {
    if (part.total !== total)
      throw refuse(`parts disagree about how many codes the card has (${part.total} and ${total})`);
    if (byIndex.has(part.index)) throw refuse(`part ${part.index} of ${total} appears twice`);
    byIndex.set(part.index, part);
  }
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0)
    throw refuse(
      `is part of a card split into ${total} codes, and part${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: read every code of the card together`,
    );
  let jws = '';
  for (let i = 1; i <= total; i++) jws += jwsFromDigits(byIndex.get(i)!.digits);
  return jws;
}

function jwsFromDigits(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i += 2) {
    const value = Number(digits.slice(i, i + 2));
    // 45 + 77 is 'z', the last character of base64url.
    if (value > 77)
      throw refuse(`holds the pair ${digits.slice(i, i + 2)}, which stands for no character of a card`);
    out += String.fromCharCode(value + 45);
  }
  return out;
}
