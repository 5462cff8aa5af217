/**
 * A test checksum database: an in-memory transparent log with a generated
 * Ed25519 key (TestLog), and a loopback HTTP server for it that the real go
 * command accepts (startSumdbServer).
 *
 * The server answers the sumdb protocol at its root (`/latest`, `/lookup/…`,
 * `/tile/…`, full and partial tiles, `tile/H/data/…`), and the same under
 * `/sumdb/<name>/…` with `/sumdb/<name>/supported`, as a proxy that carries
 * the database does. Given a directory it also serves that directory as a
 * GOPROXY file tree. Forks (a different log of the same size, signed by the
 * same key) and byte-level tampering are available for tamper tests.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { unescapePath, unescapeVersion } from '../../src/core/module/escape.ts';
import { signNote } from '../../src/core/sumdb/note.ts';
import type { Signer } from '../../src/core/sumdb/note.ts';
import { parseTilePath, readTileData } from '../../src/core/sumdb/tile.ts';
import { formatRecord, formatTree, shl, shr, storedHashes, treeHash } from '../../src/core/sumdb/tlog.ts';
import type { Hash, HashReader } from '../../src/core/sumdb/tlog.ts';
import { utf8Encode } from '../../src/core/internal/webstd.ts';
import { generateKey, newSigner } from './noteSigner.ts';

export interface SumdbResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
}

const LOOKUP_RE = /^[^@]+@v[0-9]+\.[0-9]+\.[0-9]+(-[^@]*)?(\+incompatible)?$/;

function text(status: number, s: string): SumdbResponse {
  return { status, contentType: 'text/plain; charset=utf-8', body: utf8Encode(s) };
}

/** The go.sum record text the database holds for one module version. */
export function goSumRecord(path: string, version: string, h1zip: string, h1mod: string): Uint8Array {
  return utf8Encode(`${path} ${version} ${h1zip}\n${path} ${version}/go.mod ${h1mod}\n`);
}

/** An append-only log of records, its stored hashes, and its signed tree heads. */
export class TestLog {
  readonly records: Uint8Array[] = [];
  private readonly hashes: Hash[] = [];
  private readonly ids = new Map<string, number>();
  private signed: { n: number; note: Uint8Array } | undefined;

  private constructor(
    readonly name: string,
    readonly skey: string,
    readonly vkey: string,
    private readonly signer: Signer,
  ) {}

  /** A new empty log with a fresh key named name (a host name, as go requires). */
  static async create(name = 'sum.example.test'): Promise<TestLog> {
    const { skey, vkey } = await generateKey(name);
    return TestLog.withKey(skey, vkey);
  }

  /** A new empty log signed with a given key. */
  static async withKey(skey: string, vkey: string): Promise<TestLog> {
    const signer = await newSigner(skey);
    return new TestLog(signer.name, skey, vkey, signer);
  }

  get size(): number {
    return this.records.length;
  }

  /** Reads stored hashes by index. */
  readonly hashReader: HashReader = {
    readHashes: (indexes) =>
      Promise.resolve(
        indexes.map((i) => {
          const h = this.hashes[i];
          if (h === undefined) throw new Error(`stored hash ${i} not in log`);
          return h;
        }),
      ),
  };

  /** Appends a record; key (`path@version`) makes it findable by lookup. Returns its id. */
  async addRecord(record: Uint8Array, key?: string): Promise<number> {
    const id = this.records.length;
    const add = await storedHashes(id, record, this.hashReader);
    this.hashes.push(...add);
    this.records.push(record);
    if (key !== undefined) this.ids.set(key, id);
    return id;
  }

  /** Appends the record of a module version. */
  add(path: string, version: string, h1zip: string, h1mod: string): Promise<number> {
    return this.addRecord(goSumRecord(path, version, h1zip, h1mod), `${path}@${version}`);
  }

  /** Appends n records of made-up modules, so tests can reach any tree size. */
  async addFiller(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const id = this.records.length;
      const h = `h1:${Buffer.alloc(32, id % 251).toString('base64')}`;
      await this.add(`filler.example/m${id}`, 'v1.0.0', h, h);
    }
  }

  /** The id of path@version, if present. */
  idOf(path: string, version: string): number | undefined {
    return this.ids.get(`${path}@${version}`);
  }

  /** The signed tree head for the current size. */
  async signedTree(): Promise<Uint8Array> {
    if (this.signed?.n !== this.size) {
      const hash = await treeHash(this.size, this.hashReader);
      this.signed = { n: this.size, note: await signNote({ text: formatTree({ n: this.size, hash }) }, this.signer) };
    }
    return this.signed.note;
  }

  /**
   * A log with the same key and the same records, except that record id is
   * replaced by record: a fork whose size matches but whose hash does not.
   */
  async fork(id: number, record: Uint8Array): Promise<TestLog> {
    const other = new TestLog(this.name, this.skey, this.vkey, this.signer);
    const byId = new Map([...this.ids].map(([k, v]) => [v, k]));
    for (let i = 0; i < this.records.length; i++) await other.addRecord(i === id ? record : this.records[i]!, byId.get(i));
    return other;
  }

  /** A log with the same key holding the first n records: an older tree head of this log. */
  async prefix(n: number): Promise<TestLog> {
    const other = new TestLog(this.name, this.skey, this.vkey, this.signer);
    const byId = new Map([...this.ids].map(([k, v]) => [v, k]));
    for (let i = 0; i < n; i++) await other.addRecord(this.records[i]!, byId.get(i));
    return other;
  }

  /** The lookup response for an id: the formatted record and the signed tree. */
  async lookupBody(id: number): Promise<Uint8Array> {
    const rec = formatRecord(id, this.records[id]!);
    const note = await this.signedTree();
    const out = new Uint8Array(rec.length + note.length);
    out.set(rec, 0);
    out.set(note, rec.length);
    return out;
  }

  /** Answers one sumdb request path (`/latest`, `/lookup/…`, `/tile/…`). */
  async handle(path: string): Promise<SumdbResponse> {
    if (path === '/latest') return { status: 200, contentType: 'text/plain; charset=UTF-8', body: await this.signedTree() };
    if (path.startsWith('/lookup/')) {
      const mod = path.slice('/lookup/'.length);
      if (!LOOKUP_RE.test(mod)) return text(400, 'invalid module@version syntax\n');
      const at = mod.indexOf('@');
      let key: string;
      try {
        key = `${unescapePath(mod.slice(0, at))}@${unescapeVersion(mod.slice(at + 1))}`;
      } catch (e) {
        return text(500, `${(e as Error).message}\n`);
      }
      const id = this.ids.get(key);
      if (id === undefined) return text(404, `not found: ${key}\n`);
      return { status: 200, contentType: 'text/plain; charset=UTF-8', body: await this.lookupBody(id) };
    }
    if (path.startsWith('/tile/')) {
      let t;
      try {
        t = parseTilePath(path.slice(1));
      } catch {
        return text(400, 'invalid tile syntax\n');
      }
      const start = shl(t.N, t.H);
      if (t.L === -1) {
        if (start + t.W > this.size) return text(404, 'tile not found\n');
        const parts = this.records.slice(start, start + t.W);
        return { status: 200, contentType: 'text/plain; charset=UTF-8', body: Buffer.concat(parts.map((r) => Buffer.concat([r, Buffer.from('\n')]))) };
      }
      if (start + t.W > shr(this.size, t.H * t.L)) return text(404, 'tile not found\n');
      return { status: 200, contentType: 'application/octet-stream', body: await readTileData(t, this.hashReader) };
    }
    return text(404, '404 page not found\n');
  }
}

export interface SumdbServerOptions {
  /** A directory served as a GOPROXY file tree for paths outside the sumdb. */
  proxyDir?: string;
  /** Whether `/sumdb/<name>/supported` answers 200 (default true). */
  supported?: boolean;
}

export interface RunningSumdbServer {
  /** http://127.0.0.1:PORT: the sumdb base, and the proxy base when proxyDir is set. */
  readonly url: string;
  /** Swappable: assign a fork or prefix to change what the server publishes. */
  log: TestLog;
  /** Rewrites a response body before it is sent (path is the sumdb path, e.g. "/tile/8/0/000"). */
  tamper: ((path: string, body: Uint8Array) => Uint8Array) | undefined;
  /** Every request as "<status> <url path>". */
  readonly requests: string[];
  /** The go environment value GOSUMDB="<vkey> <url>" for direct use. */
  readonly gosumdb: string;
  close(): Promise<void>;
}

/** Starts the HTTP server on 127.0.0.1 with an ephemeral port. */
export async function startSumdbServer(log: TestLog, opts: SumdbServerOptions = {}): Promise<RunningSumdbServer> {
  const requests: string[] = [];
  const state: { log: TestLog; tamper: RunningSumdbServer['tamper'] } = { log, tamper: undefined };

  const answer = async (urlPath: string): Promise<SumdbResponse> => {
    const sumdbPrefix = `/sumdb/${state.log.name}/`;
    let path = urlPath;
    if (path.startsWith(sumdbPrefix)) {
      const rest = path.slice(sumdbPrefix.length - 1);
      if (rest === '/supported') return opts.supported === false ? text(404, 'not supported\n') : text(200, 'ok\n');
      path = rest;
    } else if (opts.proxyDir !== undefined && !path.startsWith('/lookup/') && !path.startsWith('/tile/') && path !== '/latest') {
      const file = normalize(join(opts.proxyDir, decodeURIComponent(path)));
      if (!file.startsWith(normalize(opts.proxyDir) + sep)) return text(403, 'forbidden\n');
      try {
        return { status: 200, contentType: 'application/octet-stream', body: await readFile(file) };
      } catch {
        return text(404, 'not found\n');
      }
    }
    const r = await state.log.handle(path);
    if (r.status === 200 && state.tamper) r.body = state.tamper(path, r.body);
    return r;
  };

  const server = createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    // Like a real server (Go's r.URL.Path), answer the decoded path: the go
    // command sends the "!" of case-escaped paths as %21.
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      requests.push(`400 ${urlPath}`);
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('malformed path escape\n');
      return;
    }
    answer(decoded).then(
      (r) => {
        requests.push(`${r.status} ${urlPath}`);
        res.writeHead(r.status, { 'Content-Type': r.contentType, 'Content-Length': r.body.length });
        res.end(r.body);
      },
      (e: unknown) => {
        requests.push(`500 ${urlPath}`);
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(e));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    get log() {
      return state.log;
    },
    set log(l: TestLog) {
      state.log = l;
    },
    get tamper() {
      return state.tamper;
    },
    set tamper(t) {
      state.tamper = t;
    },
    get gosumdb() {
      return `${state.log.vkey} ${url}`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
