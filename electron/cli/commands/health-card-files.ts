import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { isHealthCardContent } from '../../core/exchange/health-cards/card-forms.js';

/** Which of the files given to `phr-vault import` are SMART Health Cards: cheap, read from their start. */

const CARD_EXTENSIONS = new Set(['.smart-health-card', '.png', '.jpg', '.jpeg', '.pdf']);
/** Enough of a file to tell a card from FHIR JSON without reading a large export whole. */
const SNIFF_BYTES = 64 * 1024;

export async function isHealthCardFile(path: string): Promise<boolean> {
  if (CARD_EXTENSIONS.has(extname(path).toLowerCase())) return true;
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(SNIFF_BYTES), 0, SNIFF_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if (bytesRead < SNIFF_BYTES) return isHealthCardContent(head);
    return /"verifiableCredential"/.test(head.toString('utf8'));
  } finally {
    await file.close();
  }
}
