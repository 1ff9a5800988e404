/** The times of the patient's own measurements, between the form's local fields and FHIR instants. */

/** A local date and time as the form's datetime-local field wants it ("2026-11-30T08:15"). */
function localDateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The local time the person typed, as an instant with their offset ("2026-11-30T08:15:00+01:00"). */
export function instantOf(local: string): string | null {
  const date = new Date(local);
  if (Number.isNaN(date.getTime())) return null;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const pad = (n: number) => String(Math.floor(Math.abs(n))).padStart(2, '0');
  return `${local.length === 16 ? `${local}:00` : local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** Now, for the form's datetime-local field. */
export function nowLocal(): string {
  return localDateTime(new Date());
}

/** A stored instant, as the person's local date and time for the form. */
export function localDateTimeOf(iso: string): string {
  return localDateTime(new Date(iso));
}
