/**
 * Runs a small Go program against golang.org/x/mod as the installed toolchain
 * vendors it ($GOROOT/src/cmd/vendor): the packages asked for are copied into
 * a temp module, required through a directory replace, so nothing is fetched
 * (GOPROXY=off) and nothing from Go is committed. The program's go.mod names
 * cmd's own language version, so its GODEBUG defaults are the go command's.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGo } from './goTool.ts';

export interface XmodDriver {
  /** A name for temp dirs and error messages. */
  readonly name: string;
  /** The x/mod packages the program imports, and theirs (e.g. 'module', 'sumdb/note'). */
  readonly packages: readonly string[];
  /**
   * The program's own file (package main): it declares the types `call` and
   * `answer` and `func eval(c call, scratch string) answer`; the runner adds
   * the main that reads the calls, evaluates each (with a scratch directory
   * it may use) and prints the answers.
   */
  readonly source: string;
}

/** The main every driver shares: a JSON list of calls in, the list of answers out. */
const MAIN = `package main

import (
	"encoding/json"
	"os"
)

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var calls []call
	if err := json.Unmarshal(data, &calls); err != nil {
		panic(err)
	}
	out := make([]answer, len(calls))
	for i, c := range calls {
		out[i] = eval(c, os.Args[2])
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
`;

/** Runs the driver once on `input` (its calls, as JSON) and returns its answers, checked to be as many. */
export function runXmodDriver<T>(driver: XmodDriver, input: readonly unknown[]): T[] {
  const home = mkdtempSync(join(tmpdir(), `modcarry-${driver.name}-`));
  try {
    const goroot = runGo(['env', 'GOROOT'], home, { home });
    if (goroot.status !== 0) throw new Error(`go env GOROOT: ${goroot.stderr}`);
    const root = goroot.stdout.trim();
    const vendored = join(root, 'src', 'cmd', 'vendor', 'golang.org', 'x', 'mod');
    const xmod = join(home, 'xmod');
    for (const pkg of driver.packages) cpSync(join(vendored, ...pkg.split('/')), join(xmod, ...pkg.split('/')), { recursive: true });
    const cmdGoMod = join(root, 'src', 'cmd', 'go.mod');
    const lang = /^go (\S+)$/m.exec(readFileSync(cmdGoMod, 'utf8'))?.[1];
    if (lang === undefined) throw new Error(`no go line in ${cmdGoMod}`);
    writeFileSync(join(xmod, 'go.mod'), `module golang.org/x/mod\n\ngo ${lang}\n`);
    writeFileSync(join(home, 'go.mod'), `module ${driver.name}\n\ngo ${lang}\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ./xmod\n`);
    writeFileSync(join(home, 'main.go'), MAIN);
    writeFileSync(join(home, 'driver.go'), driver.source);
    writeFileSync(join(home, 'input.json'), JSON.stringify(input));
    const r = runGo(['run', '.', join(home, 'input.json'), join(home, 'scratch')], home, { home, GOFLAGS: '-mod=mod' });
    if (r.status !== 0) throw new Error(`go run ${driver.name} failed:\n${r.stderr}`);
    const out = JSON.parse(r.stdout) as T[];
    if (out.length !== input.length) throw new Error(`${driver.name} answered ${out.length} of ${input.length}`);
    return out;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
