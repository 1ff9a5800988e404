/**
 * What an authorization server said when it refused ("Bad audience value …"), made fit to show
 * the user: plain text on one line, bounded, and with no secret in it. Servers echo parameters
 * back, so every secret of the request is cut out by value, and anything shaped like a JWT too.
 */
const MAX_CHARS = 300;
const JWT_LIKE = /\beyJ[\w-]*\.[\w-]*\.[\w-]*/g;

export function serverWords(raw: unknown, secrets: readonly (string | undefined)[] = []): string | null {
  if (typeof raw !== 'string') return null;
  let text = raw.slice(0, 4 * MAX_CHARS);
  for (const secret of secrets) {
    // Short values (a one-letter code in a test) would cut ordinary words apart.
    if (secret && secret.length >= 8) text = text.split(secret).join('…');
  }
  text = text
    .replace(JWT_LIKE, '…')
    .replace(/<[^>]*>/g, ' ')
    // Control and bidirectional-override characters could hide or reorder what is shown.
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return null;
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - 1).trimEnd()}…` : text;
}
