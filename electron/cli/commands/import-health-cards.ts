import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Person } from '../../../shared/domain.js';
import { toFailure } from '../../core/api.js';
import { directoryWith, type IssuerDirectory } from '../../core/exchange/health-cards/issuer-directory.js';
import {
  readHealthCardFiles,
  type HealthCardFile,
  type Verification,
} from '../../core/exchange/health-cards/read-health-card.js';
import { storeHealthCards, vaultKeyCache } from '../../core/exchange/health-cards/store-health-card.js';
import type { VaultDatabase } from '../../core/vault/database.js';
import { UsageError } from '../cli-support.js';
import { HealthLinkInPicture } from '../../core/exchange/health-cards/card-forms.js';

/**
 * `phr-vault import` for SMART Health Cards: importing the files health-card-files.ts found to be
 * cards. Kept apart from the FHIR import so each reads on its own, and loaded only when a card is
 * given (its decoders and the issuer directory take a moment to load).
 */

/** An issuer directory file of the person's own (the VCI snapshot's format), joined to the shipped one. */
export const OWN_DIRECTORY_ENV = 'PHR_VAULT_SHC_DIRECTORY';

export type CardFileReport = {
  file: string;
  format: 'smart-health-card';
  /** Records added to the person's vault. */
  stored: number;
  /** The least trustworthy of the file's cards, so a file never reads as verified when a card of it is not. */
  verification?: Pick<Verification, 'status' | 'issuer' | 'reason'>;
  cards?: {
    stored: number;
    alreadyStored: boolean;
    verification: Pick<Verification, 'status' | 'issuer' | 'reason'>;
  }[];
  error?: { kind: string; message: string };
  /** The file is a picture of a SMART Health Link's QR code, not of a card: the link, to be opened. */
  healthLink?: string;
};

const TRUST_ORDER: Verification['status'][] = ['invalid', 'revoked', 'unknown-issuer', 'verified'];

async function ownDirectory(): Promise<IssuerDirectory | undefined> {
  const path = process.env[OWN_DIRECTORY_ENV];
  if (!path) return undefined;
  try {
    return directoryWith(await readFile(path, 'utf8'), `your issuer directory (${basename(path)})`);
  } catch {
    throw new UsageError(`${OWN_DIRECTORY_ENV} names a file that is not an issuer directory.`);
  }
}

/**
 * Reads and stores every card of the files (read together, so a card split over several QR codes
 * is made whole), keys fetched from issuers kept in the vault. A file refused leaves nothing stored.
 */
export async function importHealthCardFiles(
  db: VaultDatabase,
  person: Person,
  paths: readonly string[],
  options: { online: boolean },
): Promise<CardFileReport[]> {
  const directory = await ownDirectory();
  const bytes = await Promise.all(paths.map((p) => readFile(p)));
  const readOptions = {
    online: options.online,
    keyCache: vaultKeyCache(db),
    ...(directory ? { directory } : {}),
  };
  type Outcome = { ok: true; file: HealthCardFile } | { ok: false; error: unknown };
  let outcomes: Outcome[];
  try {
    outcomes = (await readHealthCardFiles(bytes, readOptions)).map((file) => ({ ok: true, file }));
  } catch {
    // One file spoils a joint read (a part missing, a damaged card): each is then read alone, so
    // the others are still imported and the refused one says why.
    outcomes = await Promise.all(
      bytes.map((b) =>
        readHealthCardFiles([b], readOptions).then(
          ([file]): Outcome => ({ ok: true, file: file! }),
          (error: unknown): Outcome => ({ ok: false, error }),
        ),
      ),
    );
  }
  // Every card of the run in one transaction, linked to likely duplicates once.
  const stored = storeHealthCards(
    db,
    person.id,
    outcomes.flatMap((o) => (o.ok ? o.file.cards : [])),
  );
  let next = 0;
  return outcomes.map((outcome, index): CardFileReport => {
    const name = basename(paths[index]!);
    if (!outcome.ok) {
      const failure = toFailure(outcome.error);
      if (outcome.error instanceof HealthLinkInPicture)
        return { file: name, format: 'smart-health-card', stored: 0, healthLink: outcome.error.link };
      return {
        file: name,
        format: 'smart-health-card',
        stored: 0,
        error: { kind: failure.kind, message: failure.message },
      };
    }
    const cards = outcome.file.cards.map((card) => {
      const { added, alreadyStored } = stored[next++]!;
      const { status, issuer, reason } = card.verification;
      return { stored: added, alreadyStored, verification: { status, issuer, reason } };
    });
    const worst = [...cards].sort(
      (a, b) => TRUST_ORDER.indexOf(a.verification.status) - TRUST_ORDER.indexOf(b.verification.status),
    )[0];
    return {
      file: name,
      format: 'smart-health-card',
      stored: cards.reduce((sum, c) => sum + c.stored, 0),
      ...(worst ? { verification: worst.verification } : {}),
      cards,
    };
  });
}

/** One line a file, for a person reading the terminal. */
export function cardReportLine(report: CardFileReport, personName: string): string {
  if (report.error) return `${report.file}: not imported. ${report.error.message}`;
  if (!report.cards || report.cards.length === 0)
    return `${report.file}: part of a health card read with another file`;
  const words = report.cards.map((c) => {
    const v = c.verification;
    const head =
      v.status === 'verified' ? `Verified: issued by ${v.issuer}` : `Not verified (${v.status}): ${v.reason}`;
    return `${head}; ${c.alreadyStored ? 'already in the vault' : `${c.stored} records added`}`;
  });
  return `${report.file} (SMART Health Card): ${words.join(' | ')} (for ${personName})`;
}
