/**
 * A usual range in words, its unit said once: "3.6 to 5.5 mmol/L", "60 mL/min or more", "up to
 * 200 mg/dL"; empty when neither bound is known. `number` writes each bound as the caller shows
 * numbers (the core to one decimal, the window as readingWords does).
 */
export function rangeWords(
  low: number | null,
  high: number | null,
  unit: string | null,
  number: (n: number) => string,
): string {
  const withUnit = (n: number) => `${number(n)}${unit ? ` ${unit}` : ''}`;
  if (low !== null && high !== null) return `${number(low)} to ${withUnit(high)}`;
  if (low !== null) return `${withUnit(low)} or more`;
  if (high !== null) return `up to ${withUnit(high)}`;
  return '';
}
