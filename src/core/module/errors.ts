/**
 * The error types of golang.org/x/mod/module. Each message is computed once,
 * in the constructor, with exactly the text the go command prints, because
 * users compare our diagnostics with go's and tests assert them verbatim.
 */

import { goQuote } from './quote.ts';

/** Which rule set a path was checked against. */
export type PathKind = 'module' | 'import' | 'file';

/**
 * A module, import or file path that breaks a naming rule:
 * `malformed <kind> path "<path>": <reason>`.
 */
export class InvalidPathError extends Error {
  override readonly name = 'InvalidPathError';
  readonly kind: PathKind;
  readonly path: string;
  /** The bare reason, e.g. `invalid char ':'`. */
  readonly err: Error;

  constructor(kind: PathKind, path: string, err: Error) {
    super(`malformed ${kind} path ${goQuote(path)}: ${err.message}`, { cause: err });
    this.kind = kind;
    this.path = path;
    this.err = err;
  }
}

/**
 * A version that is invalid on its own (module path unknown or given
 * elsewhere): `version "<v>" invalid: <reason>`, or `pseudo-version …` when
 * pseudo is set. It never wraps a ModuleError.
 */
export class InvalidVersionError extends Error {
  override readonly name = 'InvalidVersionError';
  readonly version: string;
  readonly pseudo: boolean;
  readonly err: Error;

  constructor(version: string, err: Error, pseudo = false) {
    super(`${pseudo ? 'pseudo-version' : 'version'} ${goQuote(version)} invalid: ${err.message}`, { cause: err });
    this.version = version;
    this.pseudo = pseudo;
    this.err = err;
  }

  /** 'pseudo-version' or 'version', the word go uses in messages. */
  get noun(): string {
    return this.pseudo ? 'pseudo-version' : 'version';
  }
}

/**
 * An error about one module (and possibly one version of it). The message is
 * `<path>@<v>: invalid <noun>: <reason>` when err is an InvalidVersionError,
 * else `<path>@<version>: <err>`, or `module <path>: <err>` without a version.
 */
export class ModuleError extends Error {
  override readonly name = 'ModuleError';
  readonly path: string;
  /** '' when the error is not about a particular version. */
  readonly version: string;
  readonly err: Error;

  constructor(path: string, version: string, err: Error) {
    super(moduleErrorMessage(path, version, err), { cause: err });
    this.path = path;
    this.version = version;
    this.err = err;
  }
}

function moduleErrorMessage(path: string, version: string, err: Error): string {
  if (err instanceof InvalidVersionError) return `${path}@${err.version}: invalid ${err.noun}: ${err.err.message}`;
  if (version !== '') return `${path}@${version}: ${err.message}`;
  return `module ${path}: ${err.message}`;
}

/**
 * err attributed to module m (Go's module.VersionError): err itself when it
 * already is a ModuleError for the same path and version, else a new one.
 */
export function versionError(m: { readonly path: string; readonly version: string }, err: Error): ModuleError {
  if (err instanceof ModuleError && err.path === m.path && err.version === m.version) return err;
  return new ModuleError(m.path, m.version, err);
}
