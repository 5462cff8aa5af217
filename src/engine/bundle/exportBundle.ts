/**
 * Export of a carry bundle: a tar (optionally gzipped) of the module cache
 * files the go command would have written, plus the manifest and the offline
 * README, streamed into a sink.
 *
 * Layout and order (deterministic: the same input always gives the same bytes):
 * 1. `modcarry-manifest.json`, then `README-OFFLINE.txt`: first, so a reader
 *    knows every file's size and SHA-256 before the bytes arrive and
 *    `tar -xOf bundle modcarry-manifest.json` stops early;
 * 2. every other file in byte order of its path, each preceded by any of its
 *    directories not yet written. Paths are relative to GOMODCACHE
 *    (src/core/modcache/layout.ts), plus `gopath/pkg/sumdb/<name>/latest`.
 * Headers: mtime = the manifest's createdAt, mode 0644 files / 0755 dirs,
 * uid/gid 0, no user or group names; names over 100 bytes use the USTAR
 * prefix or a PAX `path` record (modern-tar). Gzip (fflate) writes the same
 * mtime and no file name; level 1 by default, 'none' gives a plain tar.
 *
 * The exporter regenerates what go itself derives: every `@v/list` (from the
 * .mod files), `sumdb/<name>/supported` (empty) and the `latest` tree head
 * (from the manifest's sumdb note) unless given. Only verified modules are
 * exported unless allowFailures is set, which the manifest then records.
 *
 * Memory stays bounded: bodies are streamed chunk by chunk (Blob.stream() or
 * the given stream factory) with backpressure from the sink, which must
 * count its queue in bytes (Node 20's Writable.toWeb counts chunks and so
 * queues up to a gigabyte; the CLI uses its own fileSink); SHA-256 is
 * computed incrementally (in browsers, a Blob of at most 16 MiB is read whole
 * and hashed by WebCrypto instead: ~5x faster than SHA-256 in JS, and still
 * one file in memory at a time). Files whose SHA-256 the caller does not supply are
 * read twice: once to hash them for the manifest, once into the tar; the
 * second read is hashed again and a difference aborts the export.
 */
import { createTarPacker } from 'modern-tar';
import { Gzip } from 'fflate';
import { hasNativeIncrementalSha256, utf8Encode } from '../../core/internal/webstd.ts';
import { bundleLatestFile, parseCachePath, sumdbSupportedFile } from '../../core/modcache/layout.ts';
import { versionListFromFileNames } from '../../core/modcache/versionList.ts';
import {
  MANIFEST_FILE,
  README_FILE,
  buildManifest,
  comparePaths,
  isBundlePath,
  manifestBytes,
  manifestDigest,
  planDelta,
} from '../../core/bundle/manifest.ts';
import type { BundleManifest, ManifestFile, ManifestInput, ManifestModule, ManifestSettings, ManifestSumdb } from '../../core/bundle/manifest.ts';
import { offlineReadme } from '../../core/bundle/offlineReadme.ts';
import { coalesceChunks } from './coalesce.ts';
import { TAR_END, tarHeaderBlocks, tarPadding } from './tarHeader.ts';
import { readBlobRange } from '../assemble.ts';
import { createSha256, oneShotPays, sha256Digest, sha256Hex, toHex } from '../../core/internal/sha256.ts';
import type { FileSlices } from '../ports.ts';

/**
 * A stored file's body: a (disk-backed) Blob, its bytes (a small file a store
 * keeps inline), or a factory of a fresh stream each call.
 */
export type BundleBody = Blob | Uint8Array | (() => ReadableStream<Uint8Array>);

export interface BundleSourceFile {
  /** Bundle-relative path (layout.ts). */
  path: string;
  size: number;
  body: BundleBody;
  /** Lower-case hex SHA-256, when the store already knows it. */
  sha256?: string;
  /** Its slices' SHA-256s (FileRecord.slices), which then stand in for re-hashing the whole. */
  slices?: FileSlices;
}

export interface ExportInput {
  files: readonly BundleSourceFile[];
  modules: readonly ManifestModule[];
  inputs?: readonly ManifestInput[];
  settings: Omit<ManifestSettings, 'compression'>;
  sumdb?: ManifestSumdb;
  createdAt: Date;
  generator?: string;
  /** For a delta bundle: the manifests of what the offline side holds. */
  offlineManifests?: readonly BundleManifest[];
}

export interface ExportOptions {
  /** 'none' for a plain tar, else the gzip level 0-9; default 1. */
  compression?: 'none' | number;
  /** Export modules that failed verification too, marking the manifest. */
  allowFailures?: boolean;
  /** The file name the README's commands use. */
  bundleName?: string;
  /**
   * A gzip compressor to use instead of fflate's (the CLI passes Node's zlib,
   * several times faster); it must write a gzip stream at the given level,
   * and take input only as its output is read: deflate is the slowest stage,
   * so a compressor that queues its input holds the bundle in memory.
   */
  gzip?: GzipFactory;
}

/** Makes a gzip compressor for a level 0-9 and the header's mtime. */
export type GzipFactory = (level: number, mtime: Date) => TransformStream<Uint8Array, Uint8Array>;

export interface ExportResult {
  manifest: BundleManifest;
  /** Bytes written to the sink. */
  bytes: number;
}

/** Refusal to export unverified modules without allowFailures. */
export class ExportRefusedError extends Error {
  override name = 'ExportRefusedError';
  constructor(readonly modules: readonly string[]) {
    super(`refusing to export unverified modules (choose to export with failures to override): ${modules.join('; ')}`);
  }
}

const DEFAULT_GENERATOR = 'modcarry';
const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

function bodyStream(body: Blob | (() => ReadableStream<Uint8Array>)): ReadableStream<Uint8Array> {
  return typeof body === 'function' ? body() : blobPieces(body);
}

/** The piece size blobPieces reads. */
const PIECE_BYTES = 1 << 20;
/**
 * How many pieces blobPieces has read or is reading beyond those handed over:
 * with one, the export of the bench set waited on the store for about a
 * third of its time; two took about 0.1 s off it, more pieces little more.
 */
const PIECES_AHEAD = 2;

/**
 * A Blob as a stream of slices of pieceBytes (PIECE_BYTES unless given), each
 * passed to check, when given, before it is enqueued. Blob.stream() yields
 * 64 KiB chunks (Node's file-backed Blobs, Chromium's), and every chunk costs
 * a promise hop through each stage of the tar pipeline; 1 MiB pieces cut
 * those hops sixteenfold. pull() runs when the reader asks, and keeps the
 * reads of the next PIECES_AHEAD pieces going, so the store's reads overlap
 * the check and the writing of the piece handed over: at most
 * PIECES_AHEAD + 1 pieces wait.
 */
function blobPieces(blob: Blob, pieceBytes = PIECE_BYTES, check?: (piece: Uint8Array, at: number) => Promise<void>): ReadableStream<Uint8Array> {
  const read = (at: number): Promise<Uint8Array> => {
    const reading = readBlobRange(blob, at, Math.min(blob.size, at + pieceBytes));
    reading.catch(() => {}); // observed by the pull that takes it
    return reading;
  };
  let at = 0;
  /** Reads started beyond at, in order: at most PIECES_AHEAD. */
  const ahead: Promise<Uint8Array>[] = [];
  let readTo = 0;
  const fill = (): void => {
    while (ahead.length < PIECES_AHEAD && readTo < blob.size) {
      ahead.push(read(readTo));
      readTo = Math.min(blob.size, readTo + pieceBytes);
    }
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (at >= blob.size) return controller.close();
        fill();
        const piece = await ahead.shift()!;
        fill();
        await check?.(piece, at);
        at += piece.length;
        controller.enqueue(piece);
      },
      cancel() {
        ahead.length = 0;
      },
    },
    { highWaterMark: 0 },
  );
}

/** Streams a body through a hasher; returns its SHA-256 and length. */
async function hashBody(body: BundleBody): Promise<{ sha256: string; size: number }> {
  if (body instanceof Uint8Array) return { sha256: sha256Hex(body), size: body.length };
  const h = createSha256();
  let size = 0;
  const reader = bodyStream(body).getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    h.update(r.value);
    size += r.value.length;
  }
  return { sha256: h.hexDigest(), size };
}

/**
 * Files up to this size are read whole (one store read, one hash call) even
 * where streaming would hash as fast: a stream per small file costs more
 * than the file.
 */
const WHOLE_READ_MAX = 1 << 20;
/** The sink is written in pieces of this size (coalesce.ts): one write per tar header was most of an export's writes. */
const SINK_PIECE = 256 << 10;
/** How far ahead of the tar writer whole-read bodies are read. */
const READ_AHEAD_FILES = 32;
const READ_AHEAD_BYTES = 8 << 20;

interface PlannedFile {
  path: string;
  size: number;
  sha256: string;
  body: BundleBody;
  slices?: FileSlices;
  /** Made by the exporter (lists, the tree head), not stored: nothing to check. */
  generated?: true;
}

/** Whether slices cover exactly size bytes (every slice but the last full, the last not empty). */
function slicesCover(slices: FileSlices, size: number): boolean {
  const n = slices.sha256.length;
  return slices.size > 0 && n > 0 && (n - 1) * slices.size < size && size <= n * slices.size;
}

/**
 * A stored file read slice by slice, each slice checked against its recorded
 * SHA-256 with one one-shot digest (WebCrypto in browsers, far faster than
 * an incremental hash in JS) before it enters the tar. The slices' hashes
 * were recorded with the whole file's, from the same bytes, so every slice
 * matching is the whole file matching.
 */
function checkedSlices(path: string, blob: Blob, slices: FileSlices): ReadableStream<Uint8Array> {
  return blobPieces(blob, slices.size, async (piece, at) => {
    const want = slices.sha256[at / slices.size];
    const got = toHex(await sha256Digest(piece));
    if (got !== want) throw new Error(`${path}: content changed during export (bytes ${at}-${at + piece.length - 1}: SHA-256 ${got}, recorded ${want})`);
  });
}

function gzipStream(level: number, mtime: Date): TransformStream<Uint8Array, Uint8Array> {
  let gz: Gzip;
  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      gz = new Gzip({ level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9, mtime }, (chunk) => controller.enqueue(chunk));
    },
    transform(chunk) {
      gz.push(chunk);
    },
    flush() {
      gz.push(new Uint8Array(0), true);
    },
  });
}

/** What an export writes, decided before any byte is. */
interface ExportPlan {
  readonly compression: 'none' | number;
  readonly manifest: BundleManifest;
  readonly readme: Uint8Array;
  readonly mtime: Date;
  /** Every file but the manifest and the README, in the bundle's order. */
  readonly order: readonly PlannedFile[];
}

/** The manifest, the README and every file's place and hash; refuses what exportBundle refuses. */
async function planExport(input: ExportInput, options: ExportOptions): Promise<ExportPlan> {
  const compression = options.compression ?? 1;
  if (compression !== 'none' && !(Number.isInteger(compression) && compression >= 0 && compression <= 9)) {
    throw new RangeError(`compression: want 'none' or a gzip level 0-9, got ${String(compression)}`);
  }
  const unverified = input.modules.filter((m) => !m.verified);
  if (unverified.length > 0 && options.allowFailures !== true) {
    throw new ExportRefusedError(unverified.map((m) => `${m.path}@${m.version}: ${(m.problems ?? ['not verified']).join(', ')}`));
  }

  // The files go derives itself are regenerated, never copied.
  const given = new Map<string, BundleSourceFile>();
  for (const f of input.files) {
    if (!isBundlePath(f.path) || f.path === MANIFEST_FILE || f.path === README_FILE) throw new Error(`bad bundle file path ${JSON.stringify(f.path)}`);
    if (given.has(f.path)) throw new Error(`bundle file ${JSON.stringify(f.path)} given twice`);
    if (parseCachePath(f.path)?.kind === 'list') continue;
    given.set(f.path, f);
  }
  const planned = new Map<string, PlannedFile>();
  const addBytes = (path: string, data: Uint8Array): void => {
    planned.set(path, { path, size: data.length, sha256: sha256Hex(data), body: data, generated: true });
  };
  if (input.sumdb !== undefined) {
    if (!given.has(sumdbSupportedFile(input.sumdb.name))) addBytes(sumdbSupportedFile(input.sumdb.name), new Uint8Array(0));
    if (!given.has(bundleLatestFile(input.sumdb.name))) addBytes(bundleLatestFile(input.sumdb.name), utf8Encode(input.sumdb.note));
  }
  for (const f of given.values()) {
    let sha = f.sha256;
    if (sha === undefined) {
      const h = await hashBody(f.body);
      if (h.size !== f.size) throw new Error(`${f.path}: body has ${h.size} bytes, want ${f.size}`);
      sha = h.sha256;
    }
    // Slices stand in for the whole hash only beside the record's own hash, computed from the same bytes.
    planned.set(f.path, { path: f.path, size: f.size, sha256: sha, body: f.body, ...(f.sha256 !== undefined && f.slices !== undefined ? { slices: f.slices } : {}) });
  }

  let modules = [...input.modules];
  let delta: BundleManifest['delta'];
  const offline = input.offlineManifests ?? [];
  if (offline.length > 0) {
    const plan = planDelta([...planned.values()], offline);
    for (const p of [...planned.keys()]) if (!plan.ship.has(p)) planned.delete(p);
    for (const [p, text] of plan.lists) addBytes(p, utf8Encode(text));
    modules = modules.filter((m) => !plan.present.has(`${m.path}@${m.version}`));
    delta = { baseManifests: offline.map(manifestDigest) };
  } else {
    const dirs = new Map<string, string[]>();
    for (const p of planned.keys()) {
      if (parseCachePath(p)?.kind !== 'mod') continue;
      const dir = p.slice(0, p.lastIndexOf('/'));
      dirs.set(dir, [...(dirs.get(dir) ?? []), p.slice(dir.length + 1)]);
    }
    for (const [dir, names] of dirs) addBytes(`${dir}/list`, utf8Encode(versionListFromFileNames(names)));
  }

  const exportedWithFailures = modules.some((m) => !m.verified);
  const readme = utf8Encode(
    offlineReadme({
      moduleCount: modules.length,
      zipCount: modules.filter((m) => m.zip !== undefined).length,
      ...(input.sumdb !== undefined ? { sumdb: { name: input.sumdb.name, key: input.sumdb.key, treeSize: input.sumdb.treeSize } } : {}),
      privatePatterns: input.settings.gonosumdb !== '' ? input.settings.gonosumdb : input.settings.goprivate,
      createdAt: new Date(Math.floor(input.createdAt.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      exportedWithFailures,
      delta: delta !== undefined,
      bundleName: options.bundleName ?? (compression === 'none' ? 'modcarry-bundle.tar' : 'modcarry-bundle.tar.gz'),
    }),
  );
  addBytes(README_FILE, readme);

  const files: ManifestFile[] = [...planned.values()].map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
  const manifest = buildManifest({
    generator: input.generator ?? DEFAULT_GENERATOR,
    createdAt: input.createdAt,
    inputs: [...(input.inputs ?? [])],
    settings: { ...input.settings, compression },
    ...(input.sumdb !== undefined ? { sumdb: input.sumdb } : {}),
    exportedWithFailures,
    ...(delta !== undefined ? { delta } : {}),
    modules,
    files,
  });
  const mtime = new Date(Date.parse(manifest.createdAt));

  const order = [...planned.values()].filter((f) => f.path !== README_FILE).sort((a, b) => comparePaths(a.path, b.path));
  return { compression, manifest, readme, mtime, order };
}

/**
 * Where writeEntries puts the tar's entries: the tar packer's stream
 * (exportBundle), or the parts of a Blob (exportBundleBlob).
 */
interface TarOut {
  /** A file whose bytes are at hand. */
  bytes(path: string, data: Uint8Array): Promise<void>;
  dir(path: string): Promise<void>;
  /** A stored file read whole, already checked against its SHA-256. */
  storedWhole(f: PlannedFile, data: Uint8Array): Promise<void>;
  /** A stored file as a stream of its bytes that fails on a bad piece (its hash is compared once the stream ends). */
  stored(f: PlannedFile, checked: ReadableStream<Uint8Array>): Promise<void>;
}

/**
 * Writes the manifest, the README, then every file of the plan preceded by
 * its directories not yet written; each stored file's bytes are checked
 * against the SHA-256 the manifest gives, and a difference aborts the export.
 */
async function writeEntries(plan: ExportPlan, out: TarOut): Promise<void> {
  const { manifest, readme, order } = plan;
  // Bodies read whole are read ahead of the writer (at most READ_AHEAD_FILES
  // and READ_AHEAD_BYTES beyond the file being written), so the store's reads
  // overlap the tar's writes instead of alternating with them.
  const readsWhole = (f: PlannedFile): f is PlannedFile & { body: Blob } => f.body instanceof Blob && (oneShotPays(f.size) || f.size <= WHOLE_READ_MAX);
  const ahead = new Map<PlannedFile, Promise<Uint8Array>>();
  let aheadBytes = 0;
  let cursor = 0;
  const readAhead = (): void => {
    for (; cursor < order.length && ahead.size < READ_AHEAD_FILES; cursor++) {
      const f = order[cursor]!;
      if (!readsWhole(f)) continue;
      if (ahead.size > 0 && aheadBytes + f.size > READ_AHEAD_BYTES) return;
      const reading = f.body.arrayBuffer().then((b) => new Uint8Array(b));
      reading.catch(() => {}); // observed when its turn comes (or the export already failed)
      ahead.set(f, reading);
      aheadBytes += f.size;
    }
  };
  const readWhole = async (f: PlannedFile & { body: Blob }): Promise<Uint8Array> => {
    readAhead();
    const reading = ahead.get(f) ?? f.body.arrayBuffer().then((b) => new Uint8Array(b));
    const data = await reading;
    if (ahead.delete(f)) aheadBytes -= f.size;
    readAhead();
    return data;
  };

  await out.bytes(MANIFEST_FILE, manifestBytes(manifest));
  await out.bytes(README_FILE, readme);
  const written = new Set<string>();
  for (const f of order) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/') + '/';
      if (written.has(dir)) continue;
      written.add(dir);
      await out.dir(dir);
    }
    const body = f.body;
    if (f.generated === true && body instanceof Uint8Array) {
      await out.bytes(f.path, body);
      continue;
    }
    if (body instanceof Uint8Array || readsWhole(f)) {
      // Given whole, or read whole (bounded by oneShotPays or WHOLE_READ_MAX),
      // and hashed in one native call before any byte enters the tar.
      const data = body instanceof Uint8Array ? body : await readWhole(f as PlannedFile & { body: Blob });
      const got = toHex(await sha256Digest(data));
      if (got !== f.sha256 || data.length !== f.size) throw new Error(`${f.path}: content changed during export (SHA-256 ${got}, manifest says ${f.sha256})`);
      await out.storedWhole(f, data);
      continue;
    }
    // Where the runtime hashes incrementally in native code (Node) the whole hash costs no more.
    if (f.slices !== undefined && !hasNativeIncrementalSha256() && body instanceof Blob && body.size === f.size && slicesCover(f.slices, f.size)) {
      await out.stored(f, checkedSlices(f.path, body, f.slices));
      continue;
    }
    const h = createSha256();
    const hashing = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        h.update(chunk);
        c.enqueue(chunk);
      },
    });
    await out.stored(f, bodyStream(body).pipeThrough(hashing));
    const got = h.hexDigest();
    if (got !== f.sha256) throw new Error(`${f.path}: content changed during export (SHA-256 ${got}, manifest says ${f.sha256})`);
  }
}

/**
 * Writes the bundle for input into sink (which is closed at the end, or
 * aborted on failure). Resolves with the manifest written.
 */
export async function exportBundle(input: ExportInput, sink: WritableStream<Uint8Array>, options: ExportOptions = {}): Promise<ExportResult> {
  const plan = await planExport(input, options);
  const { compression, mtime } = plan;
  const { readable, controller } = createTarPacker();
  let bytes = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      bytes += chunk.length;
      c.enqueue(chunk);
    },
  });
  const out = compression === 'none' ? readable : readable.pipeThrough((options.gzip ?? gzipStream)(compression, mtime));
  const piping = out.pipeThrough(coalesceChunks(SINK_PIECE)).pipeThrough(counter).pipeTo(sink);
  piping.catch(() => {}); // observed below; avoid an unhandled rejection while entries are written

  const entry = (path: string, size: number): WritableStream<Uint8Array> => controller.add({ name: path, size, type: 'file', mode: FILE_MODE, mtime, uid: 0, gid: 0 });
  const writeBytes = async (path: string, data: Uint8Array): Promise<void> => {
    const w = entry(path, data.length).getWriter();
    if (data.length > 0) await w.write(data);
    await w.close();
  };
  try {
    await writeEntries(plan, {
      bytes: writeBytes,
      dir: (path) => controller.add({ name: path, size: 0, type: 'directory', mode: DIR_MODE, mtime, uid: 0, gid: 0 }).close(),
      storedWhole: (f, data) => writeBytes(f.path, data),
      stored: (f, checked) => checked.pipeTo(entry(f.path, f.size)),
    });
    controller.finalize();
  } catch (err) {
    controller.error(err);
    await piping.catch(() => {});
    throw err;
  }
  await piping;
  return { manifest: plan.manifest, bytes };
}

/**
 * The plain-tar bundle for input as a Blob made of the stored files' own
 * Blobs between tar headers: the same bytes exportBundle writes with
 * compression 'none' (tarHeader.ts gives modern-tar's headers), but no file
 * is copied into a stream or written out again; a browser reads the stored
 * files once more only when the Blob is saved. Every stored file is first
 * read and checked against its SHA-256, as exportBundle checks it; a Blob's
 * bytes cannot change after that (a browser fails the read of a stored file
 * changed on disk). Bodies must be Blobs or bytes, not stream factories.
 */
export async function exportBundleBlob(
  input: ExportInput,
  options: Omit<ExportOptions, 'compression' | 'gzip'> & {
    /** Told the bundle's bytes so far as files are checked and added. */
    onBytes?: (bytes: number) => void;
  } = {},
): Promise<ExportResult & { blob: Blob }> {
  for (const f of input.files) if (typeof f.body === 'function') throw new TypeError(`${f.path}: exportBundleBlob needs stored files as Blobs`);
  const plan = await planExport(input, { ...options, compression: 'none' });
  const { mtime } = plan;
  const parts: BlobPart[] = [];
  let bytes = 0;
  const push = (part: Uint8Array | Blob): void => {
    parts.push(part as BlobPart);
    bytes += part instanceof Blob ? part.size : part.length;
    options.onBytes?.(bytes);
  };
  const entry = (path: string, type: 'file' | 'directory', body: Uint8Array | Blob | undefined): void => {
    const size = body === undefined ? 0 : body instanceof Blob ? body.size : body.length;
    for (const block of tarHeaderBlocks({ name: path, type, size, mode: type === 'file' ? FILE_MODE : DIR_MODE, mtime })) push(block);
    if (body === undefined || size === 0) return;
    push(body);
    const pad = tarPadding(size);
    if (pad !== undefined) push(pad);
  };
  const storedBody = (f: PlannedFile): Blob | Uint8Array => {
    if (typeof f.body === 'function') throw new TypeError(`${f.path}: exportBundleBlob needs stored files as Blobs`);
    if (f.body instanceof Blob && f.body.size !== f.size) throw new Error(`${f.path}: stored file has ${f.body.size} bytes, manifest says ${f.size}`);
    return f.body;
  };
  await writeEntries(plan, {
    bytes: async (path, data) => entry(path, 'file', data),
    dir: async (path) => entry(path, 'directory', undefined),
    // The checked bytes are let go; the Blob they came from goes into the bundle.
    storedWhole: async (f) => entry(f.path, 'file', storedBody(f)),
    stored: async (f, checked) => {
      await checked.pipeTo(new WritableStream());
      entry(f.path, 'file', storedBody(f));
    },
  });
  push(TAR_END);
  return { manifest: plan.manifest, bytes, blob: new Blob(parts, { type: 'application/x-tar' }) };
}
