/**
 * Errors of go.mod parsing, printed exactly like golang.org/x/mod/modfile's
 * Error and ErrorList so that messages match the go command's:
 * `file:line:col: verb path: message`, where the column is printed only when it
 * is past the start of the line, and the directive prefix only when known.
 */

/** One problem in a go.mod file (modfile.Error). */
export interface ModfileErrorEntry {
  readonly file: string;
  /** 1-based line; 0 when unknown. */
  readonly line: number;
  /** 1-based column in Unicode code points; printed only when > 1. */
  readonly col: number;
  /** The directive ("require", "replace", ...) when the message names one. */
  readonly verb: string;
  /** The module path the message is about, if any. */
  readonly modPath: string;
  /** The bare message, without position or directive. */
  readonly err: string;
  /** The full text, as go prints it. */
  readonly message: string;
}

/** Formats an entry the way modfile.Error.Error does. */
export function formatModfileError(e: Omit<ModfileErrorEntry, 'message'>): string {
  let pos = '';
  if (e.col > 1) pos = `${e.file}:${e.line}:${e.col}: `;
  else if (e.line > 0) pos = `${e.file}:${e.line}: `;
  else if (e.file !== '') pos = `${e.file}: `;
  let directive = '';
  if (e.modPath !== '') directive = `${e.verb} ${e.modPath}: `;
  else if (e.verb !== '') directive = `${e.verb}: `;
  return pos + directive + e.err;
}

/** Builds an entry with its message. */
export function modfileErrorEntry(
  file: string,
  line: number,
  col: number,
  err: string,
  verb = '',
  modPath = '',
): ModfileErrorEntry {
  const e = { file, line, col, verb, modPath, err };
  return { ...e, message: formatModfileError(e) };
}

/**
 * All problems found in one go.mod file (modfile.ErrorList). A syntax error
 * stops the parser, so it comes alone; directive errors are all collected.
 */
export class ModfileError extends Error {
  readonly errors: readonly ModfileErrorEntry[];

  constructor(errors: readonly ModfileErrorEntry[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'ModfileError';
    this.errors = errors;
  }
}
