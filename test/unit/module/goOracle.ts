/**
 * golang.org/x/mod itself as a test oracle. The go toolchain ships a vendored
 * copy of x/mod (semver, module) in $GOROOT/src/cmd/vendor; at test time we
 * copy it into a temp dir, build a tiny driver against it (GOPROXY=off, a
 * directory replace, so nothing touches the network) and ask it the same
 * questions we ask our TypeScript port. Nothing from Go is committed.
 */
import { runXmodDriver } from '../../support/xmodDriver.ts';

/** One question: an operation name and its string arguments. */
export interface OracleCall {
  op: string;
  args: string[];
}

/** The answer: out is JSON-shaped (string, boolean, number, string[]); err is the Go error text or ''. */
export interface OracleAnswer {
  out: unknown;
  err: string;
}

const DRIVER = `package main

import (
	"path"
	"strconv"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

type call struct {
	Op   string
	Args []string
}

type answer struct {
	Out any    \`json:"out"\`
	Err string \`json:"err"\`
}

func msg(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func eval(c call, _ string) answer {
	a := c.Args
	arg := func(i int) string {
		if i < len(a) {
			return a[i]
		}
		return ""
	}
	switch c.Op {
	case "isValid":
		return answer{Out: semver.IsValid(arg(0))}
	case "canonical":
		return answer{Out: semver.Canonical(arg(0))}
	case "major":
		return answer{Out: semver.Major(arg(0))}
	case "majorMinor":
		return answer{Out: semver.MajorMinor(arg(0))}
	case "prerelease":
		return answer{Out: semver.Prerelease(arg(0))}
	case "build":
		return answer{Out: semver.Build(arg(0))}
	case "compare":
		return answer{Out: semver.Compare(arg(0), arg(1))}
	case "max":
		return answer{Out: semver.Max(arg(0), arg(1))}
	case "sort":
		l := append([]string{}, a...)
		semver.Sort(l)
		return answer{Out: l}
	case "checkPath":
		return answer{Err: msg(module.CheckPath(arg(0)))}
	case "checkImportPath":
		return answer{Err: msg(module.CheckImportPath(arg(0)))}
	case "checkFilePath":
		return answer{Err: msg(module.CheckFilePath(arg(0)))}
	case "check":
		return answer{Err: msg(module.Check(arg(0), arg(1)))}
	case "checkPathMajor":
		return answer{Err: msg(module.CheckPathMajor(arg(0), arg(1)))}
	case "splitPathVersion":
		p, m, ok := module.SplitPathVersion(arg(0))
		return answer{Out: []any{p, m, ok}}
	case "canonicalVersion":
		return answer{Out: module.CanonicalVersion(arg(0))}
	case "escapePath":
		s, err := module.EscapePath(arg(0))
		return answer{Out: s, Err: msg(err)}
	case "escapeVersion":
		s, err := module.EscapeVersion(arg(0))
		return answer{Out: s, Err: msg(err)}
	case "unescapePath":
		s, err := module.UnescapePath(arg(0))
		return answer{Out: s, Err: msg(err)}
	case "unescapeVersion":
		s, err := module.UnescapeVersion(arg(0))
		return answer{Out: s, Err: msg(err)}
	case "matchPrefixPatterns":
		return answer{Out: module.MatchPrefixPatterns(arg(0), arg(1))}
	case "pathMatch":
		ok, err := path.Match(arg(0), arg(1))
		return answer{Out: ok, Err: msg(err)}
	case "sortModules":
		var l []module.Version
		for i := 0; i+1 < len(a); i += 2 {
			l = append(l, module.Version{Path: a[i], Version: a[i+1]})
		}
		module.Sort(l)
		var out []string
		for _, m := range l {
			out = append(out, m.Path, m.Version)
		}
		return answer{Out: out}
	case "isPseudoVersion":
		return answer{Out: module.IsPseudoVersion(arg(0))}
	case "isZeroPseudoVersion":
		return answer{Out: module.IsZeroPseudoVersion(arg(0))}
	case "pseudoVersionBase":
		s, err := module.PseudoVersionBase(arg(0))
		return answer{Out: s, Err: msg(err)}
	case "pseudoVersionRev":
		s, err := module.PseudoVersionRev(arg(0))
		return answer{Out: s, Err: msg(err)}
	case "pseudoVersionTime":
		t, err := module.PseudoVersionTime(arg(0))
		if err != nil {
			return answer{Err: msg(err)}
		}
		return answer{Out: t.Unix()}
	case "pseudoVersion":
		sec, _ := strconv.ParseInt(arg(2), 10, 64)
		return answer{Out: module.PseudoVersion(arg(0), arg(1), time.Unix(sec, 0), arg(3))}
	case "quote":
		return answer{Out: strconv.Quote(arg(0))}
	}
	return answer{Err: "unknown op " + c.Op}
}
`;

/** Asks x/mod (as vendored in the local go toolchain) every call; one go build for all of them. */
export function askGo(calls: readonly OracleCall[]): OracleAnswer[] {
  return runXmodDriver<OracleAnswer>({ name: 'xmod-oracle', packages: ['semver', 'module', 'internal/lazyregexp'], source: DRIVER }, calls);
}
