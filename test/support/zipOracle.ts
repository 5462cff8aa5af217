/**
 * The go command's own zip checks as a test oracle. cmd/go accepts a module
 * zip after three steps (cmd/go/internal/modfetch): archive/zip.NewReader and
 * the `<path>@<version>/` prefix check, dirhash.HashZip (every entry read to
 * its end, CRC-32 and sizes checked), then golang.org/x/mod/zip.Unzip when it
 * extracts the module. The driver below runs exactly those on each zip it is
 * given and says where the first one failed, with go's text.
 *
 * It is built at test time against the toolchain's own x/mod (xmodDriver.ts),
 * so its GODEBUG defaults (archive/zip's zipinsecurepath among them) are
 * cmd/go's.
 */
import { runXmodDriver } from './xmodDriver.ts';

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

type answer struct {
	Stage string \`json:"stage"\`
	Hash  string \`json:"hash"\`
	Err   string \`json:"err"\`
}

// check mirrors modfetch.downloadZip (open, prefix, HashZip) and then
// modfetch's unzip (x/mod/zip.Unzip into a fresh directory).
func eval(c call, scratch string) answer {
	z, err := zip.OpenReader(c.File)
	if err != nil {
		return answer{Stage: "open", Err: err.Error()}
	}
	prefix := c.Path + "@" + c.Version + "/"
	for _, f := range z.File {
		if !strings.HasPrefix(f.Name, prefix) {
			z.Close()
			return answer{Stage: "prefix", Err: fmt.Sprintf("zip for %s has unexpected file %s", prefix[:len(prefix)-1], f.Name)}
		}
	}
	z.Close()
	h, err := dirhash.HashZip(c.File, dirhash.Hash1)
	if err != nil {
		return answer{Stage: "hash", Err: err.Error()}
	}
	dir := filepath.Join(scratch, "unzip")
	err = modzip.Unzip(dir, module.Version{Path: c.Path, Version: c.Version}, c.File)
	os.RemoveAll(dir)
	if err != nil {
		return answer{Stage: "unzip", Hash: h, Err: err.Error()}
	}
	return answer{Stage: "ok", Hash: h}
}
`;

/** Asks go's checks about every zip in calls, in one run of the driver. */
export function askGoAboutZips(calls: readonly ZipOracleCall[]): ZipOracleVerdict[] {
  return runXmodDriver<ZipOracleVerdict>(
    { name: 'zip-oracle', packages: ['semver', 'module', 'modfile', 'zip', 'sumdb/dirhash', 'internal/lazyregexp'], source: DRIVER },
    calls.map((c) => ({ File: c.file, Path: c.path, Version: c.version })),
  );
}
