#!/usr/bin/env node
// Draws build/icon.png (1024x1024 RGBA) with no image library: a calm teal rounded square with a
// white ring (the vault) around a heart (the records). electron-builder turns it into the macOS
// .icns and the Windows .ico. Shapes are signed distance functions, so edges are anti-aliased by
// measuring how far each pixel centre is from them. Run: node build/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 1024;
const C = SIZE / 2;

// Apple's macOS icon grid: the tile is 824 px of the 1024 canvas, corner radius about 185 px,
// leaving room for the system shadow. Windows shows the same image, slightly smaller.
const TILE = 824;
const TILE_RADIUS = 185;
const TOP = [74, 168, 154]; // #4aa89a
const BOTTOM = [38, 118, 110]; // #26766e
const INK = [255, 255, 255];

const clamp01 = (v) => Math.min(1, Math.max(0, v));
const coverage = (distance) => clamp01(0.5 - distance);

function roundedSquare(x, y, half, radius) {
  const qx = Math.abs(x) - half + radius;
  const qy = Math.abs(y) - half + radius;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function ring(x, y, radius, width) {
  return Math.abs(Math.hypot(x, y) - radius) - width / 2;
}

// Inigo Quilez's exact heart SDF, in units where the heart's point is at (0, 0) and its lobes
// reach y ≈ 1.1; y grows upwards.
function heart(px, py) {
  const x = Math.abs(px);
  const y = py;
  if (x + y > 1) return Math.hypot(x - 0.25, y - 0.75) - Math.SQRT2 / 4;
  const a = x * x + (y - 1) * (y - 1);
  const m = 0.5 * Math.max(x + y, 0);
  const b = (x - m) * (x - m) + (y - m) * (y - m);
  return Math.sqrt(Math.min(a, b)) * Math.sign(x - y);
}

const HEART_SCALE = 270;
const HEART_BOTTOM = 138; // px below the centre, so the heart sits optically centred in the ring

const pixels = Buffer.alloc(SIZE * SIZE * 4);
for (let row = 0; row < SIZE; row++) {
  for (let col = 0; col < SIZE; col++) {
    const x = col + 0.5 - C;
    const y = row + 0.5 - C;
    const tile = coverage(roundedSquare(x, y, TILE / 2, TILE_RADIUS));
    if (tile === 0) continue;

    const t = clamp01((y + TILE / 2) / TILE);
    let rgb = TOP.map((top, i) => top + (BOTTOM[i] - top) * t);

    const heartDistance = heart(x / HEART_SCALE, (HEART_BOTTOM - y) / HEART_SCALE) * HEART_SCALE;
    const ink = Math.max(coverage(ring(x, y, 300, 40)), coverage(heartDistance));
    rgb = rgb.map((v, i) => v + (INK[i] - v) * ink);

    const at = (row * SIZE + col) * 4;
    pixels[at] = Math.round(rgb[0]);
    pixels[at + 1] = Math.round(rgb[1]);
    pixels[at + 2] = Math.round(rgb[2]);
    pixels[at + 3] = Math.round(tile * 255);
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bits per channel
header[9] = 6; // RGBA
// bytes 10-12: deflate, adaptive filtering, no interlace

// Each scanline starts with its filter type; 0 (none) keeps the encoder trivial.
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let row = 0; row < SIZE; row++) {
  pixels.copy(raw, row * (SIZE * 4 + 1) + 1, row * SIZE * 4, (row + 1) * SIZE * 4);
}

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);

writeFileSync(new URL('./icon.png', import.meta.url), png);
console.log(`build/icon.png: ${SIZE}x${SIZE}, ${png.length} bytes`);
