/**
 * Go's archive/zip and unicode.SimpleFold as oracles for the zip unit tests:
 * a tiny Go program, written and built in a temp dir at test time, that
 * reports what Go reads from each zip (entries, sizes, content SHA-256 or the
 * error text) and Go's strToFold table.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGo } from '../../support/goTool.ts';

const PROGRAM = `package main

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"unicode"
)

type entry struct {
	Name   []byte
	Method uint16
	Flags  uint16
	CRC    uint32
	CSize  uint64
	USize  uint64
	SHA    string
	Err    string
}

type report struct {
	Err     string
	Entries []entry
}

func fold(r rune) rune {
	for {
		r0 := r
		r = unicode.SimpleFold(r0)
		if r <= r0 {
			break
		}
	}
	if 'A' <= r && r <= 'Z' {
		r += 'a' - 'A'
	}
	return r
}

func main() {
	if os.Args[1] == "fold" {
		for r := rune(0); r <= unicode.MaxRune; r++ {
			if unicode.IsLetter(r) {
				fmt.Printf("%x %x\\n", r, fold(r))
			}
		}
		return
	}
	for _, p := range os.Args[2:] {
		var rep report
		z, err := zip.OpenReader(p)
		if err != nil {
			rep.Err = err.Error()
		} else {
			for _, f := range z.File {
				e := entry{Name: []byte(f.Name), Method: f.Method, Flags: f.Flags, CRC: f.CRC32, CSize: f.CompressedSize64, USize: f.UncompressedSize64}
				rc, err := f.Open()
				if err == nil {
					h := sha256.New()
					_, err = io.Copy(h, rc)
					rc.Close()
					e.SHA = hex.EncodeToString(h.Sum(nil))
				}
				if err != nil {
					e.Err = err.Error()
					e.SHA = ""
				}
				rep.Entries = append(rep.Entries, e)
			}
			z.Close()
		}
		out, _ := json.Marshal(rep)
		fmt.Println(string(out))
	}
}
`;

export interface GoZipEntry {
  /** base64 of the raw name bytes (Go's JSON for []byte). */
  Name: string;
  Method: number;
  Flags: number;
  CRC: number;
  CSize: number;
  USize: number;
  SHA: string;
  Err: string;
}

export interface GoZipReport {
  Err: string;
  Entries: GoZipEntry[] | null;
}

/** A built oracle program in a temp dir; dispose() removes it. */
export class GoZipOracle {
  private readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'modcarry-zip-oracle-'));
    const src = join(this.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'go.mod'), 'module oracle\n\ngo 1.21\n');
    writeFileSync(join(src, 'main.go'), PROGRAM);
    const r = runGo(['build', '-o', join(this.dir, 'oracle'), '.'], src, { home: this.dir });
    if (r.status !== 0) throw new Error(`building the zip oracle failed: ${r.stderr}`);
  }

  /** What Go's archive/zip reads from each zip. */
  readZips(zips: readonly Uint8Array[]): GoZipReport[] {
    const paths = zips.map((z, i) => {
      const p = join(this.dir, `z${i}.zip`);
      writeFileSync(p, z);
      return p;
    });
    return this.run(['zip', ...paths])
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as GoZipReport);
  }

  /** Go's strToFold for every rune Go calls a letter: code point to folded code point. */
  foldTable(): Map<number, number> {
    const out = new Map<number, number>();
    for (const line of this.run(['fold']).trim().split('\n')) {
      const [a, b] = line.split(' ');
      out.set(parseInt(a!, 16), parseInt(b!, 16));
    }
    return out;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(args: string[]): string {
    const r = spawnSync(join(this.dir, 'oracle'), args, { encoding: 'utf8', maxBuffer: 256 << 20 });
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`zip oracle failed: ${r.stderr}`);
    return r.stdout;
  }
}
