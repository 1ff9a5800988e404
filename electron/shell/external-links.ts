/**
 * Which links may leave the app for the system browser. `shell.openExternal` hands its argument
 * to the OS, which will launch whatever handles the scheme (file:, smb:, custom app schemes), so
 * only a parsed https URL without credentials is passed on, re-serialised from the parse so what
 * the OS sees is exactly what was checked.
 */
export function externalLinkTarget(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 4096) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  if (url.hostname === '') return null;
  return url.href;
}
