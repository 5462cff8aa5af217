#!/usr/bin/env node
// Renders the app icons as PNG files under public/icons/: icon-192.png and
// icon-512.png (rounded tile, "any" purpose) and icon-maskable-512.png
// (full-bleed tile, artwork inside the 80% safe circle of the maskable spec).
// The drawing is a few signed-distance shapes, anti-aliased by coverage, so
// the output is deterministic: `node scripts/make-icons.mjs --check` exits 1
// if the committed files differ from what this script renders.
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { zlibSync } from 'fflate';

const OUT_DIR = fileURLToPath(new URL('../public/icons/', import.meta.url));
const BRAND = [0x1f, 0x4e, 0x79]; // theme_color of the manifest
const WHITE = [0xff, 0xff, 0xff];

/** The icons: file name, edge in pixels, and whether the tile is full-bleed. */
export const ICONS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'icon-maskable-512.png', size: 512, maskable: true },
];

// Shapes in a 512-unit design space (the same geometry as public/icon.svg).
// Each returns the signed distance from (x, y) to its outline: < 0 inside.
const sdRoundRect = (x, y, cx, cy, hw, hh, r) => {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const stroke = (d, halfWidth) => Math.abs(d) - halfWidth;
const union = (...ds) => Math.min(...ds);

/** The white artwork: a case with a handle, and a down arrow into it. */
function artwork(x, y) {
  const body = stroke(sdRoundRect(x, y, 256, 292, 136, 108, 20), 14);
  const handle = Math.max(stroke(sdRoundRect(x, y, 256, 164, 64, 44, 16), 14), y - 184);
  const shaft = sdRoundRect(x, y, 256, 262, 16, 44, 6);
  // Arrow head: base 112 wide at y = 296, apex at (256, 364).
  const side = (Math.abs(x - 256) * 68 + (y - 296) * 56 - 56 * 68) / Math.hypot(68, 56);
  const head = Math.max(296 - y, side);
  return union(body, handle, shaft, head);
}

/** RGBA pixels of one icon, 8 bits per channel, row-major. */
export function renderPixels(size, maskable) {
  const px = new Uint8Array(size * size * 4);
  const scale = 512 / size; // design units per pixel
  // Maskable: the artwork shrinks into the safe circle (radius 40% of the edge).
  const artScale = maskable ? 1 / 0.72 : 1;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const x = (i + 0.5) * scale;
      const y = (j + 0.5) * scale;
      const tile = maskable ? -1 : sdRoundRect(x, y, 256, 256, 256, 256, 96);
      const ax = 256 + (x - 256) * artScale;
      const ay = 256 + (y - 256) * artScale;
      const art = artwork(ax, ay) / artScale;
      const tileCover = coverage(tile / scale);
      const artCover = coverage(art / scale);
      const o = (j * size + i) * 4;
      for (let c = 0; c < 3; c++) px[o + c] = Math.round(BRAND[c] * (1 - artCover) + WHITE[c] * artCover);
      px[o + 3] = Math.round(255 * tileCover);
    }
  }
  return px;
}

/** Fraction of a pixel inside a shape, from the distance in pixels to its edge. */
function coverage(d) {
  return Math.min(1, Math.max(0, 0.5 - d));
}

/** A PNG file (RGBA, 8-bit, no interlace) of the given pixels. */
export function encodePng(size, rgba) {
  const rowBytes = size * 4;
  const raw = new Uint8Array((rowBytes + 1) * size);
  for (let j = 0; j < size; j++) {
    // Filter type 1 (Sub): each byte minus the same channel of the pixel to its left.
    const out = j * (rowBytes + 1);
    raw[out] = 1;
    for (let k = 0; k < rowBytes; k++) {
      const cur = rgba[j * rowBytes + k];
      const left = k >= 4 ? rgba[j * rowBytes + k - 4] : 0;
      raw[out + 1 + k] = (cur - left) & 0xff;
    }
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, size);
  v.setUint32(4, size);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, adaptive filter, no interlace
  const signature = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
  return concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

function chunk(type, data) {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG chunks use it). */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function main(argv) {
  const check = argv.includes('--check');
  let stale = 0;
  mkdirSync(OUT_DIR, { recursive: true });
  for (const icon of ICONS) {
    const png = encodePng(icon.size, renderPixels(icon.size, icon.maskable));
    const path = join(OUT_DIR, icon.file);
    if (check) {
      const same = existsSync(path) && Buffer.compare(readFileSync(path), Buffer.from(png)) === 0;
      if (!same) {
        stale++;
        process.stderr.write(`make-icons: ${path} differs from what scripts/make-icons.mjs renders\n`);
      }
    } else {
      writeFileSync(path, png);
      process.stdout.write(`make-icons: wrote ${path} (${png.length} bytes)\n`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
