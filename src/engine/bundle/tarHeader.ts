/**
 * Tar header blocks for the exporter's entries (regular files and
 * directories; uid and gid 0, no user or group names), the same bytes
 * modern-tar's packer writes for them (test/unit/bundle/tarHeader.test.ts
 * holds the two side by side): a USTAR header whose name is split into
 * prefix and name at a slash when it passes 100 bytes, and a PAX `path`
 * record before it when no split fits. exportBundleBlob needs the headers
 * alone: its bodies are the stored Blobs themselves, never read into a tar
 * stream.
 *
 * Field layout (POSIX ustar): name 0-99, mode 100, uid 108, gid 116, size 124
 * (12 bytes), mtime 136 (12), checksum 148 (8), typeflag 156, magic
 * "ustar\0" 257, version "00" 263, prefix 345 (155). Numbers are zero-padded
 * octal followed by NUL.
 */

export const BLOCK = 512;

/** The end of an archive: two zero blocks. */
export const TAR_END = new Uint8Array(2 * BLOCK);

export interface TarEntryHeader {
  readonly name: string;
  readonly type: 'file' | 'directory';
  /** Content bytes; 0 for a directory. */
  readonly size: number;
  readonly mode: number;
  readonly mtime: Date;
}

/** The largest size an 11-digit octal field holds (8 GiB - 1); module files are far below it. */
const OCTAL_11_MAX = 8 ** 11 - 1;

const encoder = new TextEncoder();

/** The UTF-8 length of s: its length when every unit is ASCII. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return encoder.encode(s).length;
  return s.length;
}

/** Writes s as UTF-8 into block[at, at + size), as much as fits whole. */
function putString(block: Uint8Array, at: number, size: number, s: string): void {
  encoder.encodeInto(s, block.subarray(at, at + size));
}

/** Writes n as size - 1 zero-padded octal digits; the last byte stays NUL. */
function putOctal(block: Uint8Array, at: number, size: number, n: number): void {
  let rest = n;
  for (let i = at + size - 2; i >= at; i--) {
    block[i] = 0x30 + (rest % 8);
    rest = Math.floor(rest / 8);
  }
}

/** The checksum: the byte sum of the block with its checksum field as spaces, as 6 octal digits, NUL, space. */
function putChecksum(block: Uint8Array): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  for (let i = 153; i >= 148; i--) {
    block[i] = 0x30 + (sum & 7);
    sum >>= 3;
  }
  block[154] = 0;
  block[155] = 0x20;
}

/**
 * The prefix/name split of a path of 101 to 256 bytes: at the last slash
 * that leaves a prefix of at most 155 bytes and a name of at most 100.
 */
function ustarSplit(path: string): { prefix: string; name: string } | undefined {
  const n = utf8Length(path);
  if (n <= 100 || n > 256) return undefined;
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (utf8Length(prefix) <= 155 && utf8Length(name) <= 100) return { prefix, name };
  }
  return undefined;
}

/** A USTAR header block; a name over 100 bytes is split into prefix and name where it can be. */
function ustarBlock(h: { name: string; typeflag: string; size: number; mode: number; mtime: Date }): Uint8Array {
  const split = ustarSplit(h.name);
  const block = new Uint8Array(BLOCK);
  putString(block, 0, 100, split?.name ?? h.name);
  putOctal(block, 100, 8, h.mode);
  putOctal(block, 108, 8, 0);
  putOctal(block, 116, 8, 0);
  putOctal(block, 124, 12, h.size);
  putOctal(block, 136, 12, Math.floor(h.mtime.getTime() / 1000));
  putString(block, 156, 1, h.typeflag);
  putString(block, 257, 6, 'ustar\0');
  putString(block, 263, 2, '00');
  putString(block, 345, 155, split?.prefix ?? '');
  putChecksum(block);
  return block;
}

/** A PAX record "<length> <key>=<value>\n", whose length counts itself. */
function paxRecord(key: string, value: string): string {
  const record = `${key}=${value}\n`;
  const part = utf8Length(record) + 1;
  const total = part + String(part + String(part).length).length;
  return `${total} ${record}`;
}

/** The header blocks of an entry (a PAX header and its padded records first when the name needs them). */
export function tarHeaderBlocks(h: TarEntryHeader): Uint8Array[] {
  const size = h.type === 'directory' ? 0 : h.size;
  if (!Number.isSafeInteger(size) || size < 0 || size > OCTAL_11_MAX) throw new RangeError(`tar entry ${JSON.stringify(h.name)}: bad size ${size}`);
  const typeflag = h.type === 'directory' ? '5' : '0';
  const base = ustarBlock({ name: h.name, typeflag, size, mode: h.mode, mtime: h.mtime });
  if (utf8Length(h.name) <= 100 || ustarSplit(h.name) !== undefined) return [base];
  const body = encoder.encode(paxRecord('path', h.name));
  const paxName = new TextDecoder().decode(encoder.encode(`PaxHeader/${h.name}`).slice(0, 100));
  const pax = ustarBlock({ name: paxName, typeflag: 'x', size: body.length, mode: 0o644, mtime: h.mtime });
  const pad = -body.length & (BLOCK - 1);
  return pad > 0 ? [pax, body, new Uint8Array(pad), base] : [pax, body, base];
}

/** Zero bytes that bring a body of size bytes to a whole number of blocks. */
export function tarPadding(size: number): Uint8Array | undefined {
  const pad = -size & (BLOCK - 1);
  return pad > 0 ? new Uint8Array(pad) : undefined;
}
