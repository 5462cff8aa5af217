/**
 * golang.org/x/mod/sumdb as a test oracle: note.Open, tlog.ParseTree and
 * tlog.ParseRecord, the parsers the go command runs on every checksum
 * database answer, and tlog.TileHashReader, which authenticates the tiles it
 * reads hashes from against a signed tree; asked about the same bytes as our
 * port. Built at test time against the toolchain's own x/mod (xmodDriver.ts).
 */
import { runXmodDriver } from './xmodDriver.ts';

/** One question. Byte strings travel as base64. */
export type SumdbOracleCall =
  | { readonly op: 'open'; readonly msg: string; readonly vkeys: readonly string[] }
  | { readonly op: 'tree'; readonly msg: string }
  | { readonly op: 'record'; readonly msg: string }
  | {
      readonly op: 'tiles';
      /** The tree: size and hash (base64); tiles of this height. */
      readonly n: number;
      readonly hash: string;
      readonly height: number;
      /** The tile server: path to data (base64); a path it lacks fails the read. */
      readonly tiles: Readonly<Record<string, string>>;
      /** The stored-hash indexes to read. */
      readonly indexes: readonly number[];
    };

export interface SumdbOracleSig {
  readonly name: string;
  readonly hash: number;
  readonly base64: string;
}

/**
 * go's answer: err is its error text ('' for none); the rest is set on
 * success: byte strings (a note's text, a record's text and rest) as base64,
 * numbers (a tree's size, a record's id) in decimal, exact whatever their size.
 */
export interface SumdbOracleAnswer {
  readonly err: string;
  readonly text?: string;
  readonly sigs?: readonly SumdbOracleSig[];
  readonly unverified?: readonly SumdbOracleSig[];
  readonly n?: string;
  readonly hash?: string;
  readonly id?: string;
  readonly rest?: string;
  /** tiles: the hashes read (base64), the tiles read and the tiles saved, by path, in order. */
  readonly hashes?: readonly string[];
  readonly read?: readonly string[];
  readonly saved?: readonly string[];
}

const DRIVER = `package main

import (
	"encoding/base64"
	"fmt"
	"strconv"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type call struct {
	Op      string
	Msg     string
	Vkeys   []string
	N       int64
	Hash    string
	Height  int
	Tiles   map[string]string
	Indexes []int64
}

// tileServer serves tiles from a map and remembers what was read and saved.
type tileServer struct {
	height int
	tiles  map[string]string
	read   []string
	saved  []string
}

func (s *tileServer) Height() int { return s.height }

func (s *tileServer) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		s.read = append(s.read, t.Path())
		b64, ok := s.tiles[t.Path()]
		if !ok {
			return nil, fmt.Errorf("no tile %s", t.Path())
		}
		data, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			panic(err)
		}
		out[i] = data
	}
	return out, nil
}

func (s *tileServer) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	for _, t := range tiles {
		s.saved = append(s.saved, t.Path())
	}
}

type sig struct {
	Name   string \`json:"name"\`
	Hash   uint32 \`json:"hash"\`
	Base64 string \`json:"base64"\`
}

type answer struct {
	Err        string  \`json:"err"\`
	Text       *string \`json:"text,omitempty"\`
	Sigs       []sig   \`json:"sigs,omitempty"\`
	Unverified []sig   \`json:"unverified,omitempty"\`
	N          *string \`json:"n,omitempty"\`
	Hash       string  \`json:"hash,omitempty"\`
	ID         *string \`json:"id,omitempty"\`
	Rest       *string \`json:"rest,omitempty"\`
	Hashes     []string \`json:"hashes,omitempty"\`
	Read       []string \`json:"read,omitempty"\`
	Saved      []string \`json:"saved,omitempty"\`
}

func sigs(l []note.Signature) []sig {
	out := []sig{}
	for _, s := range l {
		out = append(out, sig{s.Name, s.Hash, s.Base64})
	}
	return out
}

func str(s string) *string { return &s }

func eval(c call, _ string) answer {
	if c.Op == "tiles" {
		h, err := base64.StdEncoding.DecodeString(c.Hash)
		if err != nil || len(h) != tlog.HashSize {
			panic("bad tree hash")
		}
		var tree tlog.Tree
		tree.N = c.N
		copy(tree.Hash[:], h)
		srv := &tileServer{height: c.Height, tiles: c.Tiles}
		hashes, err := tlog.TileHashReader(tree, srv).ReadHashes(c.Indexes)
		a := answer{Read: srv.read, Saved: srv.saved}
		if err != nil {
			a.Err = err.Error()
			return a
		}
		for _, x := range hashes {
			a.Hashes = append(a.Hashes, base64.StdEncoding.EncodeToString(x[:]))
		}
		return a
	}
	msg, err := base64.StdEncoding.DecodeString(c.Msg)
	if err != nil {
		panic(err)
	}
	switch c.Op {
	case "open":
		var vs []note.Verifier
		for _, k := range c.Vkeys {
			v, err := note.NewVerifier(k)
			if err != nil {
				panic(err)
			}
			vs = append(vs, v)
		}
		n, err := note.Open(msg, note.VerifierList(vs...))
		if err != nil {
			a := answer{Err: err.Error()}
			if u, ok := err.(*note.UnverifiedNoteError); ok {
				a.Unverified = sigs(u.Note.UnverifiedSigs)
			}
			return a
		}
		return answer{Text: str(base64.StdEncoding.EncodeToString([]byte(n.Text))), Sigs: sigs(n.Sigs), Unverified: sigs(n.UnverifiedSigs)}
	case "tree":
		t, err := tlog.ParseTree(msg)
		if err != nil {
			return answer{Err: err.Error()}
		}
		return answer{N: str(strconv.FormatInt(t.N, 10)), Hash: base64.StdEncoding.EncodeToString(t.Hash[:])}
	case "record":
		id, text, rest, err := tlog.ParseRecord(msg)
		if err != nil {
			return answer{Err: err.Error()}
		}
		return answer{ID: str(strconv.FormatInt(id, 10)), Text: str(base64.StdEncoding.EncodeToString(text)), Rest: str(base64.StdEncoding.EncodeToString(rest))}
	}
	panic("unknown op " + c.Op)
}
`;

/** Asks x/mod/sumdb about every call, in one run of the driver. */
export function askGoSumdb(calls: readonly SumdbOracleCall[]): SumdbOracleAnswer[] {
  return runXmodDriver<SumdbOracleAnswer>(
    { name: 'sumdb-oracle', packages: ['sumdb/note', 'sumdb/tlog'], source: DRIVER },
    calls.map((c) =>
      c.op === 'tiles'
        ? { Op: c.op, N: c.n, Hash: c.hash, Height: c.height, Tiles: c.tiles, Indexes: c.indexes }
        : { Op: c.op, Msg: c.msg, Vkeys: c.op === 'open' ? c.vkeys : [] },
    ),
  );
}

/** An answer as comparable text: keys in order, empty lists left out (as go's omitempty does). */
export function comparableAnswer(a: SumdbOracleAnswer): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1))) {
    if (!(Array.isArray(v) && v.length === 0)) out[k] = v;
  }
  return JSON.stringify(out);
}
