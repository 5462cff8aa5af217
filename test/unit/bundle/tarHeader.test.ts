/**
 * tarHeader against modern-tar's packer (the streaming exporter's): for
 * every kind of name the exporter meets, the same header bytes.
 */
import { describe, expect, it } from 'vitest';
import { createTarPacker } from 'modern-tar';
import { TAR_END, tarHeaderBlocks, tarPadding } from '../../../src/engine/bundle/tarHeader.ts';
import type { TarEntryHeader } from '../../../src/engine/bundle/tarHeader.ts';

/** The archive modern-tar writes for these entries (bodies of zeros). */
async function modernTar(entries: readonly TarEntryHeader[]): Promise<Uint8Array> {
  const { readable, controller } = createTarPacker();
  const collected = new Response(readable).arrayBuffer();
  for (const e of entries) {
    const w = controller.add({ name: e.name, type: e.type, size: e.size, mode: e.mode, mtime: e.mtime, uid: 0, gid: 0 }).getWriter();
    if (e.type === 'file' && e.size > 0) await w.write(new Uint8Array(e.size));
    await w.close();
  }
  controller.finalize();
  return new Uint8Array(await collected);
}

/** The same archive from tarHeader. */
function ours(entries: readonly TarEntryHeader[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(...tarHeaderBlocks(e));
    if (e.type === 'file') {
      parts.push(new Uint8Array(e.size));
      const pad = tarPadding(e.size);
      if (pad !== undefined) parts.push(pad);
    }
  }
  parts.push(TAR_END);
  return new Uint8Array(Buffer.concat(parts));
}

const mtime = new Date('2026-11-24T13:00:00Z');
const seg = (n: number, c = 'a') => c.repeat(n);

describe('tarHeaderBlocks', () => {
  const names: [string, string][] = [
    ['short', 'cache/download/golang.org/x/text/@v/v0.43.0.zip'],
    ['exactly 100 bytes', `cache/${seg(94)}`],
    ['101 bytes, split at a slash', `cache/download/${seg(60)}/${seg(25)}`],
    ['a long directory (trailing slash)', `cache/download/${seg(120)}/`],
    ['too long for a split', `cache/${seg(150)}/${seg(120)}.zip`],
    ['no slash that fits', `${seg(160)}/${seg(30)}`],
    ['over 256 bytes', `cache/download/${Array.from({ length: 30 }, (_, i) => `${seg(8, String.fromCharCode(97 + (i % 26)))}`).join('/')}/x.mod`],
    ['non-ASCII, split', `cache/${seg(95)}/é${seg(40, 'ü')}/x`],
    ['non-ASCII, no split', `cache/${seg(60, 'é')}/${seg(60, 'ü')}/x`],
  ];
  for (const [what, name] of names) {
    it(`writes modern-tar's bytes for a file (${what})`, async () => {
      const entries: TarEntryHeader[] = [
        { name, type: 'file', size: 1234, mode: 0o644, mtime },
        { name: name.endsWith('/') ? name : `${name}.d/`, type: 'directory', size: 0, mode: 0o755, mtime },
        { name: 'empty', type: 'file', size: 0, mode: 0o644, mtime },
        { name: 'block', type: 'file', size: 1024, mode: 0o644, mtime },
      ];
      expect(ours(entries)).toEqual(await modernTar(entries));
      // The names that fit no split go with a PAX record, the others without.
      expect(tarHeaderBlocks(entries[0]!).length > 1).toBe(/too long|no slash|over 256|no split/.test(what));
    });
  }

  it('refuses sizes an 11-digit octal field cannot hold', () => {
    expect(() => tarHeaderBlocks({ name: 'x', type: 'file', size: 8 ** 11, mode: 0o644, mtime })).toThrow(RangeError);
    expect(() => tarHeaderBlocks({ name: 'x', type: 'file', size: -1, mode: 0o644, mtime })).toThrow(RangeError);
    expect(tarHeaderBlocks({ name: 'x', type: 'file', size: 8 ** 11 - 1, mode: 0o644, mtime })).toHaveLength(1);
  });
});
