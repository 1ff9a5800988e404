/**
 * Telling pictures and PDFs apart by their first bytes, without loading a decoder: deciding
 * whether a file is a health card must stay cheap (the command line asks it of every file).
 */

/** A phone photo is 12 to 50 megapixels; a QR code needs far fewer, and this bounds memory (4 bytes a pixel). */
export const MAX_PICTURE_PIXELS = 50_000_000;

export type Picture = { data: Uint8ClampedArray; width: number; height: number };

export const isPng = (bytes: Uint8Array) =>
  bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
export const isJpeg = (bytes: Uint8Array) =>
  bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
export const isPdf = (bytes: Uint8Array) =>
  bytes.length > 5 && Buffer.from(bytes.buffer, bytes.byteOffset, 5).toString('latin1') === '%PDF-';
