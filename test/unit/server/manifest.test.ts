import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { unzlibSync } from 'fflate';

// The web app manifest and icons the server ships from public/: the fields
// Chromium's install criteria read, and icons that are real PNGs of the sizes
// the manifest claims.
const PUBLIC = join(import.meta.dirname, '../../../public');

interface ManifestIcon {
  src: string;
  sizes: string;
  type: string;
  purpose?: string;
}

const manifest = JSON.parse(readFileSync(join(PUBLIC, 'manifest.webmanifest'), 'utf8')) as Record<string, unknown> & { icons: ManifestIcon[] };

/** Width, height, and inflated IDAT length of a PNG, after checking its chunk CRCs. */
function readPng(bytes: Uint8Array): { width: number; height: number; colourType: number; rawLength: number } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 8;
  let width = 0;
  let height = 0;
  let colourType = -1;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (at < bytes.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    expect(view.getUint32(at + 8 + length), `${type} CRC`).toBe(crc32(bytes.subarray(at + 4, at + 8 + length)));
    types.push(type);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      colourType = data[9] ?? -1;
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  const joined = new Uint8Array(idat.reduce((n, d) => n + d.length, 0));
  let o = 0;
  for (const d of idat) {
    joined.set(d, o);
    o += d.length;
  }
  return { width, height, colourType, rawLength: unzlibSync(joined).length };
}

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('manifest.webmanifest', () => {
  it('has the fields an installable app needs', () => {
    expect(manifest).toMatchObject({
      name: 'modcarry',
      short_name: 'modcarry',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: '#1f4e79',
      background_color: '#ffffff',
    });
  });

  it('lists 192 and 512 PNG icons and a maskable one', () => {
    const png = manifest.icons.filter((i) => i.type === 'image/png');
    const any = png.filter((i) => (i.purpose ?? 'any').split(' ').includes('any')).map((i) => i.sizes);
    expect(any).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(png.some((i) => i.purpose === 'maskable' && i.sizes === '512x512')).toBe(true);
  });

  it('matches the theme colour of index.html', () => {
    const html = readFileSync(join(PUBLIC, '../index.html'), 'utf8');
    expect(html).toContain(`<meta name="theme-color" content="${String(manifest.theme_color)}" />`);
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest" />');
  });

  it.each(manifest.icons.filter((i) => i.type === 'image/png'))('$src is an RGBA PNG of $sizes', (icon) => {
    const { width, height, colourType, rawLength } = readPng(new Uint8Array(readFileSync(join(PUBLIC, icon.src))));
    expect(`${width}x${height}`).toBe(icon.sizes);
    expect(colourType).toBe(6);
    expect(rawLength).toBe(height * (1 + width * 4));
  });

  it('icons are exactly what scripts/make-icons.mjs renders', () => {
    const r = spawnSync(process.execPath, [join(PUBLIC, '../scripts/make-icons.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
