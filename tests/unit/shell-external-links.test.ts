import { describe, expect, it } from 'vitest';
import { externalLinkTarget } from '../../electron/shell/external-links.js';

describe('externalLinkTarget', () => {
  it('lets a plain https link through, re-serialised', () => {
    expect(externalLinkTarget('https://mychart.example.org/portal?x=1')).toBe(
      'https://mychart.example.org/portal?x=1',
    );
    expect(externalLinkTarget('HTTPS://Example.org')).toBe('https://example.org/');
  });

  it.each([
    'http://example.org/',
    'file:///etc/passwd',
    'smb://server/share',
    'javascript:alert(1)',
    'data:text/html,hi',
    'app://vault/index.html',
    'ms-msdt:/id PCWDiagnostic',
    'https://user:secret@example.org/',
    'https://user@example.org/',
    'not a url',
    '',
    `https://example.org/${'a'.repeat(5000)}`,
  ])('refuses %s', (url) => {
    expect(externalLinkTarget(url)).toBeNull();
  });
});
