import type { Json } from '../../records/fhir-values.js';
import { readCardForms, type CardForm } from './card-forms.js';
import { jwsFromQrParts } from './numeric-qr.js';
import { takeApart } from './card-payload.js';
import { bundledDirectory, type IssuerDirectory } from './issuer-directory.js';
import type { FetchLimits, IssuerKeyCache } from './issuer-keys.js';
import { verifyCard, type Verification } from './verify-card.js';

export type { Verification, VerificationStatus } from './verify-card.js';

export type ReadCard = {
  /** The card as signed, kept with its records so it can be checked again or shown. */
  jws: string;
  bundle: Json;
  verification: Verification;
};

export type HealthCardFile = { form: CardForm; cards: ReadCard[] };

export type ReadHealthCardOptions = {
  /** Issuers the person trusts; default the VCI directory snapshot shipped with the app. */
  directory?: IssuerDirectory;
  /** Ask issuers for their keys and revocation lists (default false: only what is known offline). */
  online?: boolean;
  keyCache?: IssuerKeyCache;
  limits?: FetchLimits;
  now?: Date;
};

/**
 * Reads a file holding SMART Health Cards in any of their forms and verifies each card. A file
 * with a card that cannot be read at all (not a card, damaged, or far too large) is refused whole
 * (a VaultError of kind `bad-input` saying why) before anything is verified or stored; a card that
 * reads but does not verify comes back with the reason in its verification.
 */
export async function readHealthCardFile(
  bytes: Uint8Array,
  options: ReadHealthCardOptions = {},
): Promise<HealthCardFile> {
  const [file] = await readHealthCardFiles([bytes], options);
  return file!;
}

/**
 * Reads several files together, so a card split over several QR codes (one picture or text per
 * code) is made whole from all of them: its card is reported with the file holding its first
 * part, and the other parts' files report none. A part missing from all of them refuses them all.
 */
export async function readHealthCardFiles(
  files: readonly Uint8Array[],
  options: ReadHealthCardOptions = {},
): Promise<HealthCardFile[]> {
  const read = await Promise.all(
    files.map((bytes) => readCardForms(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))),
  );
  const parts = read.flatMap((file, index) => file.parts.map((part) => ({ part, index })));
  const jws = read.map((file) => [...file.jws]);
  if (parts.length > 0) {
    const first = parts.find((p) => p.part.index === 1) ?? parts[0]!;
    jws[first.index]!.push(jwsFromQrParts(parts.map((p) => p.part)));
  }
  // Every card is taken apart before any is verified: one unreadable card refuses the lot.
  const taken = jws.map((list) => list.map(takeApart));
  const verifyOptions = {
    ...options,
    directory: options.directory ?? bundledDirectory(),
    fetched: new Map(),
  };
  const out: HealthCardFile[] = [];
  for (const [index, cardsInFile] of taken.entries()) {
    const cards: ReadCard[] = [];
    for (const card of cardsInFile) {
      cards.push({ jws: card.jws, bundle: card.bundle, verification: await verifyCard(card, verifyOptions) });
    }
    out.push({ form: read[index]!.form, cards });
  }
  return out;
}
