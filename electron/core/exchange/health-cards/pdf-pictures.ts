import { VaultError } from '../../errors.js';
import { MAX_PICTURE_PIXELS, type Picture } from './picture-kinds.js';

/**
 * The pictures on the pages of a PDF (a printed vaccination record, a portal's "download your
 * card"), where a health card's QR code usually is one. Read with pdf.js, which decodes the
 * images a PDF embeds without drawing its pages; a QR code drawn as vector shapes is not found
 * (that needs a canvas, which the core does not have).
 */

/** A card's PDF is a page or two; a long record with a card on its last page, a few dozen. */
export const MAX_PDF_PAGES = 50;
export const MAX_PDF_BYTES = 64 * 1024 * 1024;
/** Pictures looked at per file, whatever their pages: logos and signatures are pictures too. */
const MAX_PICTURES = 50;

type PdfImage = { width: number; height: number; kind: number; data: Uint8Array | Uint8ClampedArray };

/** pdf.js's image kinds (its ImageKind): 1 bit grey, 24-bit RGB, 32-bit RGBA. */
function asRgba(image: PdfImage): Picture | null {
  const { width, height, kind, data } = image;
  if (width * height > MAX_PICTURE_PIXELS || !data) return null;
  if (kind === 3)
    return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), width, height };
  const out = new Uint8ClampedArray(width * height * 4);
  if (kind === 2) {
    for (let i = 0, j = 0; i < width * height; i++, j += 3)
      out.set([data[j]!, data[j + 1]!, data[j + 2]!, 255], i * 4);
    return { data: out, width, height };
  }
  if (kind === 1) {
    const rowBytes = Math.ceil(width / 8);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const on = (data[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1;
        const v = on ? 255 : 0;
        out.set([v, v, v, 255], (y * width + x) * 4);
      }
    return { data: out, width, height };
  }
  return null;
}

export async function picturesInPdf(bytes: Uint8Array): Promise<Picture[]> {
  if (bytes.length > MAX_PDF_BYTES)
    throw new VaultError('bad-input', 'This PDF is far larger than a health card’s, so it was not read.');
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  // Fonts are never needed to find pictures; nothing is drawn.
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  });
  let pdf;
  try {
    pdf = await task.promise;
  } catch {
    throw new VaultError('bad-input', 'This PDF is damaged or locked, so no QR code could be read from it.');
  }
  const pictures: Picture[] = [];
  try {
    for (let n = 1; n <= Math.min(pdf.numPages, MAX_PDF_PAGES) && pictures.length < MAX_PICTURES; n++) {
      const page = await pdf.getPage(n);
      const ops = await page.getOperatorList();
      for (let i = 0; i < ops.fnArray.length && pictures.length < MAX_PICTURES; i++) {
        if (ops.fnArray[i] !== pdfjs.OPS.paintImageXObject) continue;
        const name = (ops.argsArray[i] as unknown[])[0] as string;
        const image = await new Promise<PdfImage | null>((resolve) => page.objs.get(name, resolve));
        const picture = image ? asRgba(image) : null;
        if (picture) pictures.push(picture);
      }
      page.cleanup();
    }
  } finally {
    await task.destroy();
  }
  return pictures;
}
