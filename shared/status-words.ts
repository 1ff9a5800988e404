/**
 * A record's status in words, for the core (a record's detail) and the window (a timeline row)
 * alike, so a status reads the same wherever it is shown.
 */

/**
 * A record's status, said one way whichever way its source wrote it: one EHR sends the code
 * ("active", "entered-in-error"), another the code's display ("Active"). Anything longer than one
 * coded word is the source's own text and stays as it is.
 */
export function statusWords(status: string): string {
  return /^[A-Za-z]+(-[A-Za-z]+)*$/.test(status) ? status.toLowerCase().replaceAll('-', ' ') : status;
}

// Statuses that say nothing a patient needs on every row: a result is final, a record is current.
const QUIET_STATUSES = new Set([
  'final',
  'unknown',
  'current',
  'active',
  'completed',
  'amended',
  'corrected',
  'confirmed',
  'registered',
  'finished',
]);
const STATUS_SAYS: Record<string, string> = {
  'on-hold': 'on hold',
  'not-done': 'not given',
  'not-taken': 'not taken',
  'entered-in-error': 'entered in error',
};

/**
 * A status only where it tells the patient something ("stopped", "on hold", "not given",
 * "resolved"), or null where it would be noise on every row ("final", "unknown", "active").
 */
export function meaningfulStatus(status: string | null | undefined): string | null {
  if (!status) return null;
  const code = status.trim().toLowerCase();
  if (QUIET_STATUSES.has(code)) return null;
  return Object.hasOwn(STATUS_SAYS, code) ? STATUS_SAYS[code]! : statusWords(status);
}
