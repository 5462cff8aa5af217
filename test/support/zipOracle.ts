/**
 * The go command's own zip checks as a test oracle. cmd/go accepts a module
 * zip after three steps (cmd/go/internal/modfetch): archive/zip.NewReader and
 * the `<path>@<version>/` prefix check, dirhash.HashZip (every entry read to
 * its end, CRC-32 and sizes checked), then golang.org/x/mod/zip.Unzip when it
 * extracts the module. The driver below runs exactly those on each zip it is
 * given and says where the first one failed, with go's text.
 *
 * It is built at test time from the copy of golang.org/x/mod the installed
 * toolchain vendors ($GOROOT/src/cmd/vendor), with a directory replace and
 * GOPROXY=off, so nothing touches the network; nothing from Go is committed.
 * The driver's go.mod names the toolchain's own language version, so its
 * GODEBUG defaults (archive/zip's zipinsecurepath among them) are cmd/go's.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGo } from './goTool.ts';

/** One zip for the oracle: the file and the module it claims to be. */
export interface ZipOracleCall {
  readonly file: string;
  readonly path: string;
  readonly version: string;
}

/**
 * Where go stopped: 'open' (archive/zip refused the archive), 'prefix', 'hash'
 * (dirhash.HashZip failed), 'unzip' (x/mod/zip.Unzip refused it), or 'ok'
 * with hash set. err is go's error text.
 */
export interface ZipOracleVerdict {
  readonly stage: 'open' | 'prefix' | 'hash' | 'unzip' | 'ok';
  readonly hash: string;
  readonly err: string;
}

const DRIVER = `package main

import (
	"archive/zip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	modzip "golang.org/x/mod/zip"
)

type call struct {
	File, Path, Version string
}

type verdict struct {
	Stage string \`json:"stage"\`
	Hash  string \`json:"hash"\`
	Err   string \`json:"err"\`
}

// check mirrors modfetch.downloadZip (open, prefix, HashZip) and then
// modfetch's unzip (x/mod/zip.Unzip into a fresh directory).
func check(c call, scratch string) verdict {
	z, err := zip.OpenReader(c.File)
	if err != nil {
		return verdict{Stage: "open", Err: err.Error()}
	}
	prefix := c.Path + "@" + c.Version + "/"
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, prefix) {
			z.Close()
			return verdict{Stage: "prefix", Err: fmt.Sprintf("zip for %s has unexpected file %s", prefix[:len(prefix)-1], f.Name)}
		}
	}
	z.Close()
	h, err := dirhash.HashZip(c.File, dirhash.Hash1)
	if err != nil {
		return verdict{Stage: "hash", Err: err.Error()}
	}
	dir := filepath.Join(scratch, "unzip")
	err = modzip.Unzip(dir, module.Version{Path: c.Path, Version: c.Version}, c.File)
	os.RemoveAll(dir)
	if err != nil {
		return verdict{Stage: "unzip", Hash: h, Err: err.Error()}
	}
	return verdict{Stage: "ok", Hash: h}
}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var calls []call
	if err := json.Unmarshal(data, &calls); err != nil {
		panic(err)
	}
	out := make([]verdict, len(calls))
	for i, c := range calls {
		out[i] = check(c, os.Args[2])
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
`;

/** The x/mod packages the driver imports, and theirs. */
const XMOD_PACKAGES = ['semver', 'module', 'modfile', 'zip', join('sumdb', 'dirhash'), join('internal', 'lazyregexp')];

/** Asks go's checks about every zip in calls, in one run of the driver. */
export function askGoAboutZips(calls: readonly ZipOracleCall[]): ZipOracleVerdict[] {
  const home = mkdtempSync(join(tmpdir(), 'modcarry-zip-oracle-'));
  try {
    const goroot = runGo(['env', 'GOROOT'], home, { home });
    if (goroot.status !== 0) throw new Error(`go env GOROOT: ${goroot.stderr}`);
    const root = goroot.stdout.trim();
    const vendored = join(root, 'src', 'cmd', 'vendor', 'golang.org', 'x', 'mod');
    const xmod = join(home, 'xmod');
    for (const pkg of XMOD_PACKAGES) cpSync(join(vendored, pkg), join(xmod, pkg), { recursive: true });
    const goLine = /^go (\S+)$/m.exec(readFileSync(join(root, 'src', 'cmd', 'go.mod'), 'utf8'));
    if (goLine === null) throw new Error(`no go line in ${join(root, 'src', 'cmd', 'go.mod')}`);
    const lang = goLine[1]!;
    writeFileSync(join(xmod, 'go.mod'), `module golang.org/x/mod\n\ngo ${lang}\n`);
    writeFileSync(join(home, 'go.mod'), `module ziporacle\n\ngo ${lang}\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ./xmod\n`);
    writeFileSync(join(home, 'main.go'), DRIVER);
    writeFileSync(join(home, 'calls.json'), JSON.stringify(calls.map((c) => ({ File: c.file, Path: c.path, Version: c.version }))));
    const scratch = join(home, 'scratch');
    const r = runGo(['run', '.', join(home, 'calls.json'), scratch], home, { home, GOFLAGS: '-mod=mod' });
    if (r.status !== 0) throw new Error(`go run zip oracle failed:\n${r.stderr}`);
    const verdicts = JSON.parse(r.stdout) as ZipOracleVerdict[];
    if (verdicts.length !== calls.length) throw new Error(`zip oracle answered ${verdicts.length} of ${calls.length} zips`);
    return verdicts;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
