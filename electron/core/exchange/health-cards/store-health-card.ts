import { createHash } from 'node:crypto';
import { linkLikelyDuplicates } from '../../records/likely-duplicates.js';
import { isObject, type Json } from '../../records/fhir-values.js';
import type { VaultDatabase } from '../../vault/database.js';
import {
  cachedIssuerKeys,
  cardByHash,
  insertCard,
  newCardSource,
  putIssuerKeys,
  updateCardVerification,
} from '../../vault/health-cards.js';
import { storeRecords, type IncomingRecord, type StoreTally } from '../../vault/record-store.js';
import type { IssuerKey } from './issuer-directory.js';
import type { IssuerKeyCache } from './issuer-keys.js';
import type { ReadCard } from './read-health-card.js';

export type StoredCard = StoreTally & {
  cardId: number;
  /** The card's own source, which its records are shown as coming from. */
  connectionId: number;
  /** The same card was imported for this person before; its records were matched, not repeated. */
  alreadyStored: boolean;
};

/** The keys fetched from issuers, kept in the vault so a card verifies again offline. */
export function vaultKeyCache(db: VaultDatabase): IssuerKeyCache {
  return {
    get(iss) {
      const row = cachedIssuerKeys(db, iss);
      if (!row) return null;
      try {
        return { keys: JSON.parse(row.keys) as IssuerKey[], fetchedAt: row.fetchedAt };
      } catch {
        return null;
      }
    },
    put(iss, keys) {
      putIssuerKeys(db, iss, JSON.stringify(keys));
    },
  };
}

const day = (iso: string) =>
  new Date(iso).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });

/** What the card's source is called on the timeline and the Connections tab. */
export function cardSourceLabel(card: ReadCard): string {
  const { issuer, issuedAt } = card.verification;
  return `Health card from ${issuer ?? 'an unknown issuer'}${issuedAt ? `, ${day(issuedAt)}` : ''}`;
}

/**
 * Stores cards read by readHealthCardFile into a person's records, in one transaction: each
 * card's records under a source of the card's own, and the card itself with its verification.
 * The same card again (for the same person) adds nothing and keeps the newer verification.
 * Likely duplicates are linked once for them all (linking reads the person's records).
 */
export function storeHealthCards(
  db: VaultDatabase,
  personId: number,
  cards: readonly ReadCard[],
): StoredCard[] {
  const stored = db.transaction(() => cards.map((card) => storeOne(db, personId, card))).immediate();
  if (stored.some((s) => s.added > 0)) linkLikelyDuplicates(db, personId);
  return stored;
}

export function storeHealthCard(db: VaultDatabase, personId: number, card: ReadCard): StoredCard {
  return storeHealthCards(db, personId, [card])[0]!;
}

function storeOne(db: VaultDatabase, personId: number, card: ReadCard): StoredCard {
  const jwsHash = createHash('sha256').update(card.jws).digest('base64url');
  const records: IncomingRecord[] = (card.bundle.entry as unknown[])
    .map((entry) => (isObject(entry) && isObject(entry.resource) ? (entry.resource as Json) : null))
    .filter((resource): resource is Json => resource !== null && typeof resource.resourceType === 'string')
    // The standard's cards are FHIR R4.
    .map((resource) => ({ resource, fhirVersion: 'R4' }));
  const existing = cardByHash(db, personId, jwsHash);
  const connectionId = existing?.connectionId ?? newCardSource(db, personId, cardSourceLabel(card));
  const tally = storeRecords(db, personId, connectionId, records);
  let cardId: number;
  if (existing) {
    // Read again somewhere its issuer cannot be checked (offline, another directory), a card
    // keeps the answer it had; a definite answer (a revocation since) replaces it.
    if (card.verification.status !== 'unknown-issuer')
      updateCardVerification(db, existing.id, card.verification);
    cardId = existing.id;
  } else {
    cardId = insertCard(db, {
      personId,
      connectionId,
      jws: card.jws,
      jwsHash,
      verification: card.verification,
    });
  }
  return { ...tally, cardId, connectionId, alreadyStored: existing !== undefined };
}
