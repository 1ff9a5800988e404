import type { TimelineEntry } from '../../../shared/domain.js';

export type HealthCardCheck = NonNullable<TimelineEntry['healthCard']>;

/** The heart of why a card did not verify, short enough for a timeline row. */
function shortReason(reason: string): string {
  if (/signature does not match/.test(reason)) return 'signature does not match';
  const clause = reason.split(/[:.](?:\s|$)/)[0] ?? reason;
  return clause.replace(/^This card /, 'the card ');
}

/**
 * What a record from a SMART Health Card says about the card on one line: "Verified: issued by
 * State of California", or "Not verified: " and why ("signature does not match", "revoked").
 */
export function healthCardWords(check: HealthCardCheck): string {
  switch (check.status) {
    case 'verified':
      return `Verified: issued by ${check.issuer ?? 'its issuer'}`;
    case 'revoked':
      return 'Not verified: revoked';
    case 'unknown-issuer':
      return 'Not verified: signed by an issuer we do not know';
    case 'invalid':
      return `Not verified: ${shortReason(check.reason)}`;
  }
}
