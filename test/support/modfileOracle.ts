/**
 * golang.org/x/mod/modfile as a test oracle: Parse (the go command's parser of
 * the main module's go.mod; `go mod edit -json` runs it with no version
 * fixer) and ParseLax (its parser of dependencies' go.mod files), asked about
 * the same bytes as our port. Each answer is go's error text, or the file as
 * `go mod edit -json` prints it. Built at test time against the toolchain's
 * own x/mod (xmodDriver.ts).
 */
import type { GoEditJson } from '../unit/modfile/gomodCases.ts';
import { runXmodDriver } from './xmodDriver.ts';

export interface ModfileOracleCall {
  readonly lax: boolean;
  /** The go.mod bytes, base64. */
  readonly data: string;
}

export interface ModfileOracleAnswer {
  readonly err: string;
  readonly file?: GoEditJson;
}

const DRIVER = `package main

import (
	"encoding/base64"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

type call struct {
	Lax  bool
	Data string
}

// The JSON of cmd/go's editPrintJSON (go mod edit -json), field for field.
type fileJSON struct {
	Module    editModuleJSON
	Go        string      \`json:",omitempty"\`
	Toolchain string      \`json:",omitempty"\`
	GoDebug   []debugJSON \`json:",omitempty"\`
	Require   []requireJSON
	Exclude   []module.Version
	Replace   []replaceJSON
	Retract   []retractJSON
	Tool      []toolJSON
	Ignore    []ignoreJSON
}

type editModuleJSON struct {
	Path       string
	Deprecated string \`json:",omitempty"\`
}

type requireJSON struct {
	Path     string
	Version  string \`json:",omitempty"\`
	Indirect bool   \`json:",omitempty"\`
}

type replaceJSON struct {
	Old module.Version
	New module.Version
}

type retractJSON struct {
	Low       string \`json:",omitempty"\`
	High      string \`json:",omitempty"\`
	Rationale string \`json:",omitempty"\`
}

type toolJSON struct{ Path string }
type ignoreJSON struct{ Path string }
type debugJSON struct{ Key, Value string }

type answer struct {
	Err  string    \`json:"err"\`
	File *fileJSON \`json:"file,omitempty"\`
}

func eval(c call, _ string) answer {
	data, err := base64.StdEncoding.DecodeString(c.Data)
	if err != nil {
		panic(err)
	}
	parse := modfile.Parse
	if c.Lax {
		parse = modfile.ParseLax
	}
	m, err := parse("go.mod", data, nil)
	if err != nil {
		return answer{Err: err.Error()}
	}
	var f fileJSON
	if m.Module != nil {
		f.Module = editModuleJSON{Path: m.Module.Mod.Path, Deprecated: m.Module.Deprecated}
	}
	if m.Go != nil {
		f.Go = m.Go.Version
	}
	if m.Toolchain != nil {
		f.Toolchain = m.Toolchain.Name
	}
	for _, r := range m.Require {
		f.Require = append(f.Require, requireJSON{Path: r.Mod.Path, Version: r.Mod.Version, Indirect: r.Indirect})
	}
	for _, x := range m.Exclude {
		f.Exclude = append(f.Exclude, x.Mod)
	}
	for _, r := range m.Replace {
		f.Replace = append(f.Replace, replaceJSON{r.Old, r.New})
	}
	for _, r := range m.Retract {
		f.Retract = append(f.Retract, retractJSON{r.Low, r.High, r.Rationale})
	}
	for _, t := range m.Tool {
		f.Tool = append(f.Tool, toolJSON{t.Path})
	}
	for _, i := range m.Ignore {
		f.Ignore = append(f.Ignore, ignoreJSON{i.Path})
	}
	for _, d := range m.Godebug {
		f.GoDebug = append(f.GoDebug, debugJSON{d.Key, d.Value})
	}
	return answer{File: &f}
}
`;

/** Asks modfile about every go.mod in calls, in one run of the driver. */
export function askGoAboutGoMods(calls: readonly ModfileOracleCall[]): ModfileOracleAnswer[] {
  return runXmodDriver<ModfileOracleAnswer>(
    { name: 'modfile-oracle', packages: ['semver', 'module', 'modfile', 'internal/lazyregexp'], source: DRIVER },
    calls.map((c) => ({ Lax: c.lax, Data: c.data })),
  );
}
