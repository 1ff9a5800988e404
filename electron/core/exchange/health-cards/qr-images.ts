import jsQRModule from 'jsqr';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { VaultError } from '../../errors.js';
import { isPng, MAX_PICTURE_PIXELS, type Picture } from './picture-kinds.js';

/**
 * Finds the QR code in a picture of a health card (a PNG or JPEG: a screenshot, a photo, a
 * scan). Decoding is bounded by the picture's size, read from its header before any pixels are:
 * a small file claiming a vast picture is refused instead of filling memory.
 */

// jsqr is CommonJS with a `default` member that Node's ESM loader hands over as the module itself.
const jsQR = jsQRModule.default;

const tooLarge = () =>
  new VaultError(
    'bad-input',
    'This picture is far larger than a photo of a health card, so it was not read.',
  );
const unreadable = (kind: string) =>
  new VaultError(
    'bad-input',
    `This ${kind} picture is damaged or cut short, so no QR code could be read from it.`,
  );

function pngPicture(bytes: Buffer): Picture {
  // Width and height sit at fixed places in the IHDR chunk, which must come first.
  if (bytes.length < 24) throw unreadable('PNG');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width * height > MAX_PICTURE_PIXELS) throw tooLarge();
  try {
    const png = PNG.sync.read(bytes);
    return {
      data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length),
      width: png.width,
      height: png.height,
    };
  } catch {
    throw unreadable('PNG');
  }
}

function jpegPicture(bytes: Buffer): Picture {
  try {
    const image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_PICTURE_PIXELS / 1_000_000,
      maxMemoryUsageInMB: 512,
    });
    return {
      data: new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length),
      width: image.width,
      height: image.height,
    };
  } catch (error) {
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(String((error as Error).message))) throw tooLarge();
    throw unreadable('JPEG');
  }
}

export function pictureFrom(bytes: Buffer): Picture {
  return isPng(bytes) ? pngPicture(bytes) : jpegPicture(bytes);
}

/** The text of the QR code in the picture, or null when it shows none that can be read. */
export function qrTextIn(picture: Picture): string | null {
  const read = (p: Picture) =>
    jsQR(p.data, p.width, p.height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
  // A small picture (a thumbnail, a scaled-down scan) has a pixel or two per module, fewer than
  // jsQR's locator needs; the same picture doubled often reads.
  return (
    read(picture) ?? (picture.width * picture.height <= SMALL_PICTURE_PIXELS ? read(doubled(picture)) : null)
  );
}

const SMALL_PICTURE_PIXELS = 400 * 400;

function doubled(p: Picture): Picture {
  const width = p.width * 2;
  const height = p.height * 2;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = ((y >> 1) * p.width + (x >> 1)) * 4;
      data.set(p.data.subarray(from, from + 4), (y * width + x) * 4);
    }
  }
  return { data, width, height };
}
