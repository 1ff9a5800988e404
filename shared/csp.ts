/**
 * The renderer's Content Security Policy, one definition for Electron's custom protocol and the
 * test host. No remote content, no inline or eval'd script (PDF.js 6 needs no eval either), no
 * frames; `connect` names the only place the page may talk to (the host's socket; nothing in
 * Electron, where IPC is not a network request).
 */
export function contentSecurityPolicy(connect: string = "'none'"): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    // PDF.js parses PDFs in a worker bundled with the app. Workers would fall back to script-src
    // anyway; said outright so that no wider rule creeps in, and blob:/data: workers stay refused.
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
