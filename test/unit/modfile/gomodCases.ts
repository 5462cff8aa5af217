/**
 * Table of go.mod inputs for the strict parser, shared by the unit test and the
 * go-oracle test (which feeds every case to `go mod edit -json`, itself
 * modfile.Parse without a version fixer, and checks go agrees with the table).
 *
 * A parse result is summarized as one line per fact, so a case reads like the
 * file it describes; errors are go's lines with the file named "go.mod".
 */
import type { GoModFile } from '../../../src/core/modfile/gomod.ts';

export interface GoModCase {
  name: string;
  text: string;
  /** The summary of a successful parse. */
  want?: string[];
  /** The error lines, in order. */
  err?: string[];
}

const q = (s: string): string => JSON.stringify(s);

/** One line per fact of f, in a fixed order. */
export function summarize(f: GoModFile): string[] {
  const out: string[] = [];
  if (f.module !== undefined && (f.module.path !== '' || f.module.deprecated !== undefined)) {
    out.push(`module ${f.module.path}`);
    if (f.module.deprecated !== undefined) out.push(`deprecated ${q(f.module.deprecated)}`);
  }
  if (f.go !== undefined) out.push(`go ${f.go}`);
  if (f.toolchain !== undefined) out.push(`toolchain ${f.toolchain}`);
  for (const g of f.godebug) out.push(`godebug ${g.key}=${g.value}`);
  for (const r of f.require) out.push(`require ${r.path} ${r.version}${r.indirect ? ' // indirect' : ''}`);
  for (const e of f.exclude) out.push(`exclude ${e.path} ${e.version}`);
  for (const r of f.replace) {
    const old = r.oldVersion === undefined ? r.oldPath : `${r.oldPath} ${r.oldVersion}`;
    const nw = r.newVersion === undefined ? r.newPath : `${r.newPath} ${r.newVersion}`;
    out.push(`replace ${old} => ${nw}${r.isDir ? ' (dir)' : ''}`);
  }
  for (const r of f.retract) out.push(`retract [${r.low}, ${r.high}]${r.rationale === '' ? '' : ' ' + q(r.rationale)}`);
  for (const t of f.tool ?? []) out.push(`tool ${t.path}`);
  for (const i of f.ignore ?? []) out.push(`ignore ${i.path}`);
  return out;
}

interface GoJsonVersion {
  Path: string;
  Version?: string;
}

/** The JSON `go mod edit -json` prints. */
export interface GoEditJson {
  Module?: { Path: string; Deprecated?: string };
  Go?: string;
  Toolchain?: string;
  GoDebug?: { Key: string; Value: string }[] | null;
  Require?: { Path: string; Version: string; Indirect?: boolean }[] | null;
  Exclude?: GoJsonVersion[] | null;
  Replace?: { Old: GoJsonVersion; New: GoJsonVersion }[] | null;
  Retract?: { Low: string; High: string; Rationale?: string }[] | null;
  Tool?: { Path: string }[] | null;
  Ignore?: { Path: string }[] | null;
}

/** The same summary, from go's JSON. */
export function summarizeGoJson(j: GoEditJson): string[] {
  const out: string[] = [];
  const isDir = (p: string): boolean => /^(\.\.?($|[/\\])|[/\\]|[A-Za-z]:)/.test(p);
  if (j.Module !== undefined && (j.Module.Path !== '' || j.Module.Deprecated !== undefined)) {
    out.push(`module ${j.Module.Path}`);
    if (j.Module.Deprecated !== undefined) out.push(`deprecated ${q(j.Module.Deprecated)}`);
  }
  if (j.Go !== undefined) out.push(`go ${j.Go}`);
  if (j.Toolchain !== undefined) out.push(`toolchain ${j.Toolchain}`);
  for (const g of j.GoDebug ?? []) out.push(`godebug ${g.Key}=${g.Value}`);
  for (const r of j.Require ?? []) out.push(`require ${r.Path} ${r.Version}${r.Indirect === true ? ' // indirect' : ''}`);
  for (const e of j.Exclude ?? []) out.push(`exclude ${e.Path} ${e.Version ?? ''}`);
  for (const r of j.Replace ?? []) {
    const old = r.Old.Version === undefined ? r.Old.Path : `${r.Old.Path} ${r.Old.Version}`;
    const nw = r.New.Version === undefined ? r.New.Path : `${r.New.Path} ${r.New.Version}`;
    out.push(`replace ${old} => ${nw}${r.New.Version === undefined && isDir(r.New.Path) ? ' (dir)' : ''}`);
  }
  for (const r of j.Retract ?? []) out.push(`retract [${r.Low}, ${r.High}]${r.Rationale === undefined ? '' : ' ' + q(r.Rationale)}`);
  for (const t of j.Tool ?? []) out.push(`tool ${t.Path}`);
  for (const i of j.Ignore ?? []) out.push(`ignore ${i.Path}`);
  return out;
}

export const STRICT_CASES: GoModCase[] = [
  // module
  { name: 'empty file', text: '', want: [] },
  { name: 'module only', text: 'module example.com/m\n', want: ['module example.com/m'] },
  { name: 'module without final newline', text: 'module example.com/m', want: ['module example.com/m'] },
  { name: 'quoted module path', text: 'module "example.com/m"\n', want: ['module example.com/m'] },
  { name: 'quoted module path with space and escapes', text: 'module "a b\\u00e9\\x41"\n', want: ['module a béA'] },
  { name: 'module in a block', text: 'module (\n\texample.com/m\n)\n', want: ['module example.com/m'] },
  {
    name: 'deprecation from comments above the module line',
    text: '// Deprecated: use example.com/n\n// instead.\nmodule example.com/m\n',
    want: ['module example.com/m', 'deprecated "use example.com/n\\ninstead."'],
  },
  {
    name: 'deprecation from the end-of-line comment',
    text: 'module example.com/m // Deprecated: gone\n',
    want: ['module example.com/m', 'deprecated "gone"'],
  },
  {
    name: 'deprecation is the first paragraph starting with Deprecated:',
    text: '// Package m.\n//\n// Deprecated:   use v2.\n//\n// Deprecated: second\nmodule example.com/m\n',
    want: ['module example.com/m', 'deprecated "use v2."'],
  },
  {
    name: 'Deprecated: in mid-paragraph does not count',
    text: '// see below\n// Deprecated: no\nmodule example.com/m\n',
    want: ['module example.com/m'],
  },
  {
    name: 'a blank line separates comments from the module line',
    text: '// Deprecated: no\n\nmodule example.com/m\n',
    want: ['module example.com/m'],
  },
  { name: 'module without path', text: 'module\n', err: ['go.mod:1: usage: module module/path'] },
  { name: 'module with two paths', text: 'module a b\n', err: ['go.mod:1: usage: module module/path'] },
  { name: 'repeated module', text: 'module a\nmodule b\n', err: ['go.mod:2: repeated module statement'] },
  {
    name: 'single-quoted module path',
    text: "module 'a'\n",
    err: ['go.mod:1: invalid quoted string: unquoted string cannot contain quote'],
  },
  { name: 'raw-string module path', text: 'module `a`\n', err: ['go.mod:1: invalid quoted string: unquoted string cannot contain quote'] },
  { name: 'bad escape in module path', text: 'module "a\\q"\n', err: ['go.mod:1: invalid quoted string: invalid syntax'] },
  { name: 'single quote escape is not valid in "..."', text: 'module "a\\\'"\n', err: ['go.mod:1: invalid quoted string: invalid syntax'] },

  // go and toolchain
  { name: 'go line', text: 'module m\ngo 1.21\n', want: ['module m', 'go 1.21'] },
  { name: 'go line with patch', text: 'go 1.21.3\n', want: ['go 1.21.3'] },
  { name: 'go line with prerelease', text: 'go 1.22rc1\n', want: ['go 1.22rc1'] },
  { name: 'go line 1.21.0rc1 matches the go.mod pattern', text: 'go 1.21.0rc1\n', want: ['go 1.21.0rc1'] },
  { name: 'go without version', text: 'go\n', err: ['go.mod:1: go directive expects exactly one argument'] },
  { name: 'go with two versions', text: 'go 1.21 1.22\n', err: ['go.mod:1: go directive expects exactly one argument'] },
  { name: 'go 1', text: 'go 1\n', err: ["go.mod:1: invalid go version '1': must match format 1.23.0"] },
  { name: 'go v1.21', text: 'go v1.21\n', err: ["go.mod:1: invalid go version 'v1.21': must match format 1.23.0"] },
  { name: 'go 1.21-custom', text: 'go 1.21-custom\n', err: ["go.mod:1: invalid go version '1.21-custom': must match format 1.23.0"] },
  { name: 'go 1.021', text: 'go 1.021\n', err: ["go.mod:1: invalid go version '1.021': must match format 1.23.0"] },
  { name: 'repeated go', text: 'go 1.21\ngo 1.22\n', err: ['go.mod:2: repeated go statement'] },
  { name: 'toolchain', text: 'toolchain go1.22.1\n', want: ['toolchain go1.22.1'] },
  { name: 'toolchain default', text: 'toolchain default\n', want: ['toolchain default'] },
  { name: 'toolchain with custom suffix', text: 'toolchain go1.21.3-custom\n', want: ['toolchain go1.21.3-custom'] },
  {
    name: 'toolchain without go prefix',
    text: 'toolchain 1.21\n',
    err: ["go.mod:1: invalid toolchain version '1.21': must match format go1.23.0 or default"],
  },
  { name: 'toolchain go2', text: 'toolchain go2\n', err: ["go.mod:1: invalid toolchain version 'go2': must match format go1.23.0 or default"] },
  { name: 'toolchain arity', text: 'toolchain\n', err: ['go.mod:1: toolchain directive expects exactly one argument'] },
  { name: 'repeated toolchain', text: 'toolchain go1.21.0\ntoolchain go1.21.0\n', err: ['go.mod:2: repeated toolchain statement'] },

  // godebug
  { name: 'godebug line', text: 'godebug panicnil=1\n', want: ['godebug panicnil=1'] },
  { name: 'godebug block', text: 'godebug (\n\tdefault=go1.21\n\tx=a=b\n)\n', want: ['godebug default=go1.21', 'godebug x=a=b'] },
  { name: 'godebug without =', text: 'godebug panicnil\n', err: ['go.mod:1: usage: godebug key=value'] },
  { name: 'godebug with a quote', text: 'godebug "a=b"\n', err: ['go.mod:1: usage: godebug key=value'] },
  { name: 'godebug with a comma', text: 'godebug a=b,c=d\n', err: ['go.mod:1: usage: godebug key=value'] },
  { name: 'godebug with two args', text: 'godebug (\n\ta=b c=d\n)\n', err: ['go.mod:2:2: usage: godebug key=value'] },

  // require
  {
    name: 'require forms',
    text: [
      'module example.com/m',
      'require example.com/a v1.0.0',
      'require (',
      '\texample.com/b v1.2 // indirect',
      '\t"example.com/c" "v1.0.0-pre+build"',
      '\texample.com/d v2.0.0+incompatible //indirect',
      '\texample.com/e/v2 v2.3.4 // indirect; for tests',
      '\tgopkg.in/yaml.v2 v2.4.0 // not indirect',
      '\tgopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405',
      '\texample.com/f v0.0.0-20200101000000-abcdefabcdef // indirect but not first',
      ')',
    ].join('\n'),
    want: [
      'module example.com/m',
      'require example.com/a v1.0.0',
      'require example.com/b v1.2.0 // indirect',
      'require example.com/c v1.0.0-pre',
      'require example.com/d v2.0.0+incompatible // indirect',
      'require example.com/e/v2 v2.3.4 // indirect',
      'require gopkg.in/yaml.v2 v2.4.0',
      'require gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405',
      'require example.com/f v0.0.0-20200101000000-abcdefabcdef',
    ],
  },
  { name: 'require without version', text: 'require example.com/a\n', err: ['go.mod:1: usage: require module/path v1.2.3'] },
  { name: 'require with extra token', text: 'require example.com/a v1.0.0 x\n', err: ['go.mod:1: usage: require module/path v1.2.3'] },
  {
    name: 'require with non-semver version',
    text: 'require (\n\texample.com/a 1.0.0\n)\n',
    err: ['go.mod:2:2: require example.com/a: version "1.0.0" invalid: must be of the form v1.2.3'],
  },
  {
    name: 'require with a branch name',
    text: 'require example.com/a master\n',
    err: ['go.mod:1: require example.com/a: version "master" invalid: must be of the form v1.2.3'],
  },
  {
    name: 'require with a quote in the version',
    text: "require example.com/a v1'\n",
    err: ['go.mod:1: require example.com/a: version "v1\'" invalid: unquoted string cannot contain quote'],
  },
  { name: 'require with a bad quoted path', text: 'require "a\\z" v1.0.0\n', err: ['go.mod:1: invalid quoted string: invalid syntax'] },
  { name: 'require /v1 path', text: 'require example.com/a/v1 v1.0.0\n', err: ['go.mod:1: invalid module path'] },
  {
    name: 'require v2 without /v2',
    text: 'require example.com/a v2.0.0\n',
    err: ['go.mod:1: require example.com/a: version "v2.0.0" invalid: should be v0 or v1, not v2'],
  },
  {
    name: 'require /v2 with v1',
    text: 'require example.com/a/v2 v1.0.0\n',
    err: ['go.mod:1: require example.com/a/v2: version "v1.0.0" invalid: should be v2, not v1'],
  },
  {
    name: 'require gopkg.in major mismatch',
    text: 'require gopkg.in/yaml.v2 v3.0.0\n',
    err: ['go.mod:1: require gopkg.in/yaml.v2: version "v3.0.0" invalid: should be v2, not v3'],
  },
  {
    name: 'require /v2 with +incompatible',
    text: 'require example.com/a/v2 v2.0.0+incompatible\n',
    want: ['require example.com/a/v2 v2.0.0+incompatible'],
  },

  // exclude
  {
    name: 'exclude forms',
    text: 'exclude example.com/a v1.0.0\nexclude (\n\texample.com/b v1.1\n\texample.com/c/v3 v3.0.0\n)\n',
    want: ['exclude example.com/a v1.0.0', 'exclude example.com/b v1.1.0', 'exclude example.com/c/v3 v3.0.0'],
  },
  { name: 'exclude without version', text: 'exclude example.com/a\n', err: ['go.mod:1: usage: exclude module/path v1.2.3'] },
  {
    name: 'exclude bad version',
    text: 'exclude example.com/a latest\n',
    err: ['go.mod:1: exclude example.com/a: version "latest" invalid: must be of the form v1.2.3'],
  },
  {
    name: 'exclude major mismatch',
    text: 'exclude example.com/a v3.0.0\n',
    err: ['go.mod:1: exclude example.com/a: version "v3.0.0" invalid: should be v0 or v1, not v3'],
  },

  // replace
  {
    name: 'replace forms',
    text: [
      'replace example.com/a => ../a',
      'replace example.com/b v1.0.0 => example.com/c v1.2.0',
      'replace (',
      '\texample.com/d => example.com/e v1.3',
      '\texample.com/f v1.0.0 => /abs/f',
      '\t"example.com/g" => "./g"',
      '\texample.com/h => .',
      '\texample.com/i => C:/dir',
      '\texample.com/j/v2 v2.0.0 => example.com/k v0.1.0',
      ')',
    ].join('\n'),
    want: [
      'replace example.com/a => ../a (dir)',
      'replace example.com/b v1.0.0 => example.com/c v1.2.0',
      'replace example.com/d => example.com/e v1.3.0',
      'replace example.com/f v1.0.0 => /abs/f (dir)',
      'replace example.com/g => ./g (dir)',
      'replace example.com/h => . (dir)',
      'replace example.com/i => C:/dir (dir)',
      'replace example.com/j/v2 v2.0.0 => example.com/k v0.1.0',
    ],
  },
  {
    name: 'replace without arrow',
    text: 'replace example.com/a ../a\n',
    err: [
      'go.mod:1: usage: replace module/path [v1.2.3] => other/module v1.4',
      '\t or replace module/path [v1.2.3] => ../local/directory',
    ],
  },
  {
    name: 'replace with too many tokens',
    text: 'replace example.com/a v1.0.0 => example.com/b v1.0.0 x\n',
    err: [
      'go.mod:1: usage: replace module/path [v1.2.3] => other/module v1.4',
      '\t or replace module/path [v1.2.3] => ../local/directory',
    ],
  },
  {
    name: 'replace with bad old version',
    text: 'replace example.com/a 1.0 => ../a\n',
    err: ['go.mod:1: replace example.com/a: version "1.0" invalid: must be of the form v1.2.3'],
  },
  {
    name: 'replace with old major mismatch',
    text: 'replace example.com/a v2.0.0 => ../a\n',
    err: ['go.mod:1: replace example.com/a: version "v2.0.0" invalid: should be v0 or v1, not v2'],
  },
  { name: 'replace of a /v1 path', text: 'replace example.com/a/v1 => ../a\n', err: ['go.mod:1: replace example.com/a/v1: invalid module path'] },
  {
    name: 'replace target path@version',
    text: 'replace example.com/a => example.com/b@v1.0.0\n',
    err: ["go.mod:1: replacement module must match format 'path version', not 'path@version'"],
  },
  {
    name: 'replace target module without version',
    text: 'replace example.com/a => example.com/b\n',
    err: ['go.mod:1: replacement module without version must be directory path (rooted or starting with . or ..)'],
  },
  {
    name: 'replace directory with version',
    text: 'replace example.com/a => ./a v1.0.0\n',
    err: ['go.mod:1: replacement module directory path "./a" cannot have version'],
  },
  {
    name: 'replace with a Windows directory',
    text: 'replace example.com/a => ..\\a\n',
    err: ['go.mod:1: replacement directory appears to be Windows path (on a non-windows system)'],
  },
  {
    name: 'replace with bad new version',
    text: 'replace example.com/a => example.com/b main\n',
    err: ['go.mod:1: replace example.com/b: version "main" invalid: must be of the form v1.2.3'],
  },

  // retract
  {
    name: 'retract forms and rationales',
    text: [
      'module example.com/m',
      '// bad release',
      'retract v1.0.0',
      'retract [v1.1.0, v1.2.0] // security',
      '',
      '// block rationale',
      'retract (',
      '\tv0.1.0',
      '\t// mine',
      '\tv0.2.0',
      '\t"v0.3.0" // trailing',
      ')',
      'retract v2',
    ].join('\n'),
    want: [
      'module example.com/m',
      'retract [v1.0.0, v1.0.0] "bad release"',
      'retract [v1.1.0, v1.2.0] "security"',
      'retract [v0.1.0, v0.1.0] "block rationale"',
      'retract [v0.2.0, v0.2.0] "mine"',
      'retract [v0.3.0, v0.3.0] "trailing"',
      'retract [v2, v2]',
    ],
  },
  { name: 'retract keeps versions as written', text: 'retract foo\n', want: ['retract [foo, foo]'] },
  { name: 'retract without version', text: 'retract\n', err: ["go.mod:1: expected '[' or version"] },
  { name: 'retract (', text: 'retract ( x\n', err: ["go.mod:1: expected '[' or version"] },
  { name: 'retract [', text: 'retract [\n', err: ["go.mod:1: expected version after '['"] },
  { name: 'retract [v1', text: 'retract [v1.0.0\n', err: ["go.mod:1: expected ',' after version"] },
  { name: 'retract [v1,', text: 'retract [v1.0.0,\n', err: ["go.mod:1: expected version after ','"] },
  { name: 'retract [v1, v2', text: 'retract [v1.0.0, v1.1.0\n', err: ["go.mod:1: expected ']' after version"] },
  { name: 'retract with trailing token', text: 'retract v1.0.0 v1.1.0\n', err: ['go.mod:1: unexpected token after version: "v1.1.0"'] },
  {
    name: 'retract with quote in version',
    text: 'retract `v1.0.0`\n',
    err: ['go.mod:1: retract: version "`v1.0.0`" invalid: unquoted string cannot contain quote'],
  },

  // tool and ignore
  { name: 'tool and ignore', text: 'tool example.com/t\ntool (\n\t"example.com/u"\n)\nignore ./x\nignore (\n\tstatic\n)\n', want: ['tool example.com/t', 'tool example.com/u', 'ignore ./x', 'ignore static'] },
  { name: 'tool arity', text: 'tool a b\n', err: ['go.mod:1: tool directive expects exactly one argument'] },
  { name: 'ignore arity', text: 'ignore\n', err: ['go.mod:1: ignore directive expects exactly one argument'] },
  { name: 'tool quote', text: "tool a'b\n", err: ['go.mod:1: invalid quoted string: unquoted string cannot contain quote'] },

  // unknown directives and blocks
  { name: 'unknown directive', text: 'module m\n\nfrob x\n', err: ['go.mod:3: unknown directive: frob'] },
  { name: 'unknown directive in a block line', text: 'frob (\n\tx\n)\n', err: ['go.mod:1: unknown block type: frob'] },
  { name: 'block with two verb tokens', text: 'require x (\n)\n', err: ['go.mod:1: unknown block type: require x'] },
  { name: 'go in a block', text: 'go (\n\t1.21\n)\n', err: ['go.mod:1: unknown block type: go'] },
  { name: 'empty block', text: 'module m\nrequire ()\nreplace (\n)\n', want: ['module m'] },
  { name: '( ) inside a line', text: 'require a ( ) v1.0.0\n', err: ['go.mod:1: usage: require module/path v1.2.3'] },

  // layout and comments
  {
    name: 'CRLF line endings and indentation',
    text: 'module m\r\n\r\n  go 1.21\r\nrequire (\r\n\texample.com/a v1.0.0 // indirect\r\n)\r\n',
    want: ['module m', 'go 1.21', 'require example.com/a v1.0.0 // indirect'],
  },
  {
    name: 'comments and blank lines everywhere',
    text: '// header\n\nmodule m // c\n\n// about deps\nrequire ( // open\n\n\t// first\n\texample.com/a v1.0.0\n\n\texample.com/b v1.0.0 // indirect\n\t// end\n) // close\n// trailer\n',
    want: ['module m', 'require example.com/a v1.0.0', 'require example.com/b v1.0.0 // indirect'],
  },
  { name: 'comment glued to a token', text: 'module m//c\n', want: ['module m'] },
  {
    name: 'all errors are reported, in order',
    text: 'module m\ngo 1\nfrob\nrequire (\n\ta v1\n\tb\n)\nreplace a => b\n',
    err: [
      "go.mod:2: invalid go version '1': must match format 1.23.0",
      'go.mod:3: unknown directive: frob',
      'go.mod:6:2: usage: require module/path v1.2.3',
      'go.mod:8: replacement module without version must be directory path (rooted or starting with . or ..)',
    ],
  },
  { name: 'indented error column', text: 'module m\n   frob\n', err: ['go.mod:2:4: unknown directive: frob'] },

  // syntax errors
  { name: 'block comment', text: 'module m\n/* x */\n', err: ['go.mod:2: mod files must use // comments (not /* */ comments)'] },
  { name: 'block comment inside a token', text: 'module m/*x*/\n', err: ['go.mod:1:9: mod files must use // comments (not /* */ comments)'] },
  { name: 'unterminated block', text: 'module m\nrequire (\n\ta v1.0.0\n', err: ['go.mod:4: syntax error (unterminated block started at go.mod:2:1)'] },
  {
    name: 'token after closing paren',
    text: 'require (\n\ta v1.0.0\n) x\n',
    err: ['go.mod:3:4: syntax error (expected newline after closing paren)'],
  },
  { name: 'newline in string', text: 'module "abc\ndef"\n', err: ['go.mod:1:12: unexpected newline in string'] },
  { name: 'EOF in string', text: 'module m\nrequire "abc', err: ['go.mod:2:9: unexpected EOF in string'] },
  { name: 'EOF after backslash in string', text: 'module "ab\\', err: ['go.mod:1:8: unexpected EOF in string'] },
  { name: 'vertical tab', text: 'module m\u000bx\n', err: ["go.mod:1:9: unexpected input character '\\v'"] },
  { name: 'NUL byte', text: 'module m\n\u0000\n', err: ["go.mod:2: unexpected input character '\\x00'"] },
  { name: 'byte order mark', text: '\ufeffmodule m\n', err: ["go.mod:1: unexpected input character '\\ufeff'"] },
  { name: 'no-break space', text: 'module\u00a0m\n', err: ["go.mod:1:7: unexpected input character '\\u00a0'"] },
  { name: 'non-ASCII letters are token text', text: 'module exämple.com/m\n', want: ['module exämple.com/m'] },
];
