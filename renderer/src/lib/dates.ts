/**
 * Dates as a person reads them. Records carry instants in UTC; they are shown in UTC too, because
 * a date-only record ("2019-05-17") becomes midnight UTC and would otherwise show as the day
 * before for anyone west of Greenwich.
 */
const month = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
const day = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeZone: 'UTC' });
const fullWithTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
});
const short = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const axis = new Intl.DateTimeFormat(undefined, { month: 'short', year: 'numeric', timeZone: 'UTC' });

export function monthWords(iso: string): string {
  return month.format(new Date(iso));
}
export function dayWords(iso: string): string {
  return day.format(new Date(iso));
}
export function dateWords(iso: string): string {
  return full.format(new Date(iso));
}
export function shortDateWords(iso: string): string {
  return short.format(new Date(iso));
}
export function axisDateWords(time: number): string {
  return axis.format(new Date(time));
}
/** A FHIR dateTime with a time of day shows it; a date alone does not pretend to one. */
export function fhirDateWords(value: string): string {
  if (/^\d{4}$/.test(value)) return value;
  if (/^\d{4}-\d{2}$/.test(value)) return monthWords(`${value}-01T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return dateWords(`${value}T00:00:00Z`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  // The vault keeps a date-only record as midnight UTC: it has no time of day to show.
  if (/T00:00:00(\.0+)?(Z|[+-]00:00)$/.test(value)) return full.format(date);
  return fullWithTime.format(date);
}
