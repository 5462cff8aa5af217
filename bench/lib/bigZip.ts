/**
 * Large generated modules for the memory benchmarks: module zips of stored
 * (uncompressed) random data, streamed to disk so the runner never holds one
 * in memory, laid out as a GOPROXY tree (`<path>/@v/{list,V.info,V.mod,V.zip}`).
 * Every zip satisfies golang.org/x/mod/zip's limits (under 500 MiB, files
 * named module@version/...), so the go command accepts it too.
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { escapePath } from '../../src/core/module/escape.ts';

export interface BigModule {
  readonly path: string;
  readonly version: string;
  readonly zipBytes: number;
}

const VERSION = 'v1.0.0';
const FILE_BYTES = 8 << 20;

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

/** Writes a stored zip of files (name, size) whose bytes come from fill; returns its size. */
function writeStoredZip(file: string, entries: readonly { name: string; data: Buffer | number }[]): number {
  const fd = openSync(file, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const buf = Buffer.alloc(FILE_BYTES);
  try {
    for (const e of entries) {
      const data = typeof e.data === 'number' ? randomFillSync(buf, 0, e.data).subarray(0, e.data) : e.data;
      const name = Buffer.from(e.name, 'utf8');
      const crc = crc32(data);
      const common = Buffer.concat([u16(20), u16(0x800), u16(0), u16(0), u16((0 << 9) | (1 << 5) | 1), u32(crc), u32(data.length), u32(data.length), u16(name.length), u16(0)]);
      const local = Buffer.concat([u32(0x04034b50), common, name]);
      writeSync(fd, local);
      writeSync(fd, data);
      central.push(Buffer.concat([u32(0x02014b50), u16(20), common, u16(0), u16(0), u16(0), u32(0), u32(offset), name]));
      offset += local.length + data.length;
    }
    const cd = Buffer.concat(central);
    writeSync(fd, cd);
    writeSync(fd, Buffer.concat([u32(0x06054b50), u16(0), u16(0), u16(entries.length), u16(entries.length), u32(cd.length), u32(offset), u16(0)]));
    return offset + cd.length + 22;
  } finally {
    closeSync(fd);
  }
}

/** Writes module example.com/modcarry/bench/big<i> of about mib MiB into the proxy tree at root. */
export function writeBigModule(root: string, i: number, mib: number): BigModule {
  const path = `example.com/modcarry/bench/big${i}`;
  const dir = join(root, escapePath(path), '@v');
  mkdirSync(dir, { recursive: true });
  const goMod = Buffer.from(`module ${path}\n\ngo 1.21\n`);
  const prefix = `${path}@${VERSION}/`;
  const entries: { name: string; data: Buffer | number }[] = [{ name: prefix + 'go.mod', data: goMod }, { name: prefix + 'doc.go', data: Buffer.from(`// Package big${i} is generated filler.\npackage big${i}\n`) }];
  for (let left = mib << 20, n = 0; left > 0; left -= FILE_BYTES, n++) entries.push({ name: `${prefix}data/blob${String(n).padStart(4, '0')}.bin`, data: Math.min(left, FILE_BYTES) });
  const zipBytes = writeStoredZip(join(dir, `${VERSION}.zip`), entries);
  writeFileSync(join(dir, `${VERSION}.mod`), goMod);
  writeFileSync(join(dir, `${VERSION}.info`), JSON.stringify({ Version: VERSION, Time: '2024-01-01T00:00:00Z' }) + '\n');
  writeFileSync(join(dir, 'list'), `${VERSION}\n`);
  return { path, version: VERSION, zipBytes };
}
