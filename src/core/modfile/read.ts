/**
 * The go.mod syntax (golang.org/x/mod/modfile read.go): a line-oriented token
 * grammar with `//` comments, "..." and `...` strings, and factored blocks
 * `verb ( ... )`. This file only builds the syntax tree and attaches comments;
 * the meaning of directives lives in gomod.ts.
 *
 * Invariants kept from the go command, because messages and comment-derived
 * data (// indirect, // Deprecated:, retract rationales) depend on them:
 * - The first syntax error ends parsing; it is reported at the lexer's position
 *   at that moment (which, after a lookahead, is past the next token).
 * - A `//` comment alone on its line is a statement-level comment; one after
 *   tokens is an end-of-line ("suffix") comment, attached afterwards to the
 *   last single-line syntax element that ends before it.
 * - Whole-line comments directly above a statement (no blank line between)
 *   become that statement's Before comments; inside a block a blank line is
 *   kept as an empty comment.
 * - Columns count Unicode code points, lines start at 1; offsets are string
 *   indices and only order things.
 */
import { ModfileError, modfileErrorEntry } from './errors.ts';
import { goQuoteRune } from '../module/quote.ts';
import { isPrint, isSpace } from './quote.ts';

/** A position in the file. */
export interface Position {
  readonly line: number;
  /** 1-based, in code points. */
  readonly col: number;
  /** Index into the decoded text. */
  readonly offset: number;
}

/** One `//` comment, without its newline. */
export interface Comment {
  readonly start: Position;
  readonly token: string;
  /** An end-of-line comment (after tokens), not a whole-line one. */
  readonly suffix: boolean;
}

/** Comments attached to a syntax element. */
export interface Comments {
  /** Whole-line comments just above; an empty token marks a blank line inside a block. */
  before: Comment[];
  /** End-of-line comments after it. */
  suffix: Comment[];
}

/** One line of tokens: a top-level statement, or a line inside a block (without the block's verb). */
export interface Line {
  readonly kind: 'line';
  readonly comments: Comments;
  readonly start: Position;
  readonly end: Position;
  readonly tokens: readonly string[];
  readonly inBlock: boolean;
}

/** A factored block `verb ( lines )`. */
export interface LineBlock {
  readonly kind: 'block';
  readonly comments: Comments;
  readonly start: Position;
  readonly tokens: readonly string[];
  readonly lines: readonly Line[];
  readonly lparen: { readonly comments: Comments; readonly pos: Position };
  readonly rparen: { readonly comments: Comments; readonly pos: Position };
}

/** A run of whole-line comments not attached to any statement. */
export interface CommentBlock {
  readonly kind: 'comments';
  readonly comments: Comments;
  readonly start: Position;
}

export type Stmt = Line | LineBlock | CommentBlock;

/** A whole go.mod file. */
export interface FileSyntax {
  readonly name: string;
  readonly comments: Comments;
  readonly stmts: readonly Stmt[];
}

type TokenKind = 'eof' | 'eolcomment' | 'comment' | 'ident' | 'string' | '\n' | '(' | ')' | '[' | ']' | '{' | '}' | ',';

interface Token {
  kind: TokenKind;
  pos: Position;
  endPos: Position;
  text: string;
}

const PUNCTUATION = new Set(['\n', '(', ')', '[', ']', '{', '}', ',']);
const SLASH_STAR = 'mod files must use // comments (not /* */ comments)';

function isEOL(k: TokenKind): boolean {
  return k === 'eof' || k === 'eolcomment' || k === '\n';
}

/** Whether cp may be part of an unquoted token: printable, not a space, not one of ()[]{},. */
function isIdent(cp: number): boolean {
  switch (cp) {
    case 0x20:
    case 0x28:
    case 0x29:
    case 0x5b:
    case 0x5d:
    case 0x7b:
    case 0x7d:
    case 0x2c:
      return false;
    default:
      return cp >= 0 && !isSpace(cp) && isPrint(cp);
  }
}

function newComments(): Comments {
  return { before: [], suffix: [] };
}

class StopParsing extends Error {}

/** Lexer and parser state for one file. */
class Input {
  private offset = 0;
  private line = 1;
  private col = 1;
  private tokenStart = 0;
  private token: Token;
  /** Suffix comments, in order, for assignComments. */
  private readonly suffixComments: Comment[] = [];
  private readonly stmts: Stmt[] = [];
  error: ModfileError | undefined;

  constructor(
    private readonly filename: string,
    private readonly text: string,
  ) {
    const p = this.pos();
    this.token = { kind: 'eof', pos: p, endPos: p, text: '' };
  }

  private pos(): Position {
    return { line: this.line, col: this.col, offset: this.offset };
  }

  private fail(message: string): never {
    this.error = new ModfileError([modfileErrorEntry(this.filename, this.line, this.col, message)]);
    throw new StopParsing();
  }

  private eof(): boolean {
    return this.offset >= this.text.length;
  }

  /** The next code point, or -1 at end of input. */
  private peekRune(): number {
    return this.eof() ? -1 : (this.text.codePointAt(this.offset) ?? -1);
  }

  private peekPrefix(prefix: string): boolean {
    return this.text.startsWith(prefix, this.offset);
  }

  private readRune(): number {
    const cp = this.peekRune();
    if (cp < 0) this.fail('internal lexer error: readRune at EOF');
    this.offset += cp > 0xffff ? 2 : 1;
    if (cp === 0x0a) {
      this.line++;
      this.col = 1;
    } else {
      this.col++;
    }
    return cp;
  }

  private startToken(): void {
    this.tokenStart = this.offset;
    this.token = { kind: 'eof', pos: this.pos(), endPos: this.pos(), text: '' };
  }

  private endToken(kind: TokenKind): void {
    let text = this.text.slice(this.tokenStart, this.offset);
    if (kind === 'comment' || kind === 'eolcomment') {
      if (text.endsWith('\r\n')) text = text.slice(0, -2);
      else if (text.endsWith('\n')) text = text.slice(0, -1);
    }
    this.token.kind = kind;
    this.token.text = text;
    this.token.endPos = this.pos();
  }

  private peek(): TokenKind {
    return this.token.kind;
  }

  private lex(): Token {
    const tok = this.token;
    this.readToken();
    return tok;
  }

  /** Whether only spaces precede the current offset on its line. */
  private atLineStart(): boolean {
    const nl = this.offset === 0 ? -1 : this.text.lastIndexOf('\n', this.offset - 1);
    for (const ch of this.text.slice(nl + 1, this.offset)) {
      if (!isSpace(ch.codePointAt(0) ?? 0)) return false;
    }
    return true;
  }

  private readToken(): void {
    while (!this.eof()) {
      const c = this.peekRune();
      if (c === 0x20 || c === 0x09 || c === 0x0d) {
        this.readRune();
        continue;
      }
      if (this.peekPrefix('//')) {
        this.startToken();
        const suffix = !this.atLineStart();
        this.readRune();
        this.readRune();
        while (!this.eof() && this.readRune() !== 0x0a) {
          // The comment runs to the end of the line, newline included.
        }
        if (!suffix) {
          this.endToken('comment');
          return;
        }
        this.endToken('eolcomment');
        this.suffixComments.push({ start: this.token.pos, token: this.token.text, suffix: true });
        return;
      }
      if (this.peekPrefix('/*')) this.fail(SLASH_STAR);
      break;
    }

    this.startToken();
    if (this.eof()) {
      this.endToken('eof');
      return;
    }

    const c = this.peekRune();
    const ch = String.fromCodePoint(c);
    if (PUNCTUATION.has(ch)) {
      this.readRune();
      this.endToken(ch as TokenKind);
      return;
    }
    if (ch === '"' || ch === '`') {
      this.readRune();
      for (;;) {
        if (this.eof()) this.failAtTokenStart('unexpected EOF in string');
        if (this.peekRune() === 0x0a) this.fail('unexpected newline in string');
        const r = this.readRune();
        if (r === c) break;
        if (r === 0x5c && ch !== '`') {
          if (this.eof()) this.failAtTokenStart('unexpected EOF in string');
          this.readRune();
        }
      }
      this.endToken('string');
      return;
    }

    if (!isIdent(c)) this.fail(`unexpected input character ${goQuoteRune(c)}`);
    while (isIdent(this.peekRune())) {
      if (this.peekPrefix('//')) break;
      if (this.peekPrefix('/*')) this.fail(SLASH_STAR);
      this.readRune();
    }
    this.endToken('ident');
  }

  private failAtTokenStart(message: string): never {
    this.line = this.token.pos.line;
    this.col = this.token.pos.col;
    this.offset = this.token.pos.offset;
    this.fail(message);
  }

  parse(): FileSyntax {
    this.readToken();
    this.parseFile();
    const file: FileSyntax = { name: this.filename, comments: newComments(), stmts: this.stmts };
    this.assignSuffixComments(file);
    return file;
  }

  private parseFile(): void {
    let pending: Comment[] | undefined;
    let pendingStart: Position | undefined;
    const flush = (): void => {
      if (pending !== undefined && pendingStart !== undefined) {
        this.stmts.push({ kind: 'comments', comments: { before: pending, suffix: [] }, start: pendingStart });
      }
      pending = undefined;
      pendingStart = undefined;
    };
    for (;;) {
      switch (this.peek()) {
        case '\n':
          this.lex();
          flush();
          break;
        case 'comment': {
          const tok = this.lex();
          if (pending === undefined) {
            pending = [];
            pendingStart = tok.pos;
          }
          pending.push({ start: tok.pos, token: tok.text, suffix: false });
          break;
        }
        case 'eof':
          flush();
          return;
        default: {
          this.parseStmt();
          if (pending !== undefined) {
            const last = this.stmts[this.stmts.length - 1];
            if (last !== undefined) last.comments.before = pending;
            pending = undefined;
            pendingStart = undefined;
          }
        }
      }
    }
  }

  private parseStmt(): void {
    const first = this.lex();
    const start = first.pos;
    let end = first.endPos;
    const tokens = [first.text];
    for (;;) {
      const tok = this.lex();
      if (isEOL(tok.kind)) {
        this.stmts.push({ kind: 'line', comments: newComments(), start, end, tokens, inBlock: false });
        return;
      }
      if (tok.kind === '(') {
        const next = this.peek();
        if (isEOL(next)) {
          this.stmts.push(this.parseLineBlock(start, tokens, tok));
          return;
        }
        if (next === ')') {
          const rparen = this.lex();
          if (isEOL(this.peek())) {
            this.lex();
            this.stmts.push({
              kind: 'block',
              comments: newComments(),
              start,
              tokens,
              lines: [],
              lparen: { comments: newComments(), pos: tok.pos },
              rparen: { comments: newComments(), pos: rparen.pos },
            });
            return;
          }
          // "( )" in the middle of a line is two ordinary tokens.
          tokens.push(tok.text, rparen.text);
        } else {
          tokens.push(tok.text);
        }
        continue;
      }
      tokens.push(tok.text);
      end = tok.endPos;
    }
  }

  private parseLineBlock(start: Position, tokens: string[], lparen: Token): LineBlock {
    const lines: Line[] = [];
    let comments: Comment[] = [];
    for (;;) {
      switch (this.peek()) {
        case 'eolcomment':
          this.lex();
          break;
        case '\n': {
          this.lex();
          const last = comments[comments.length - 1];
          if ((comments.length === 0 && lines.length > 0) || (last !== undefined && last.token !== '')) {
            comments.push({ start: { line: 0, col: 0, offset: 0 }, token: '', suffix: false });
          }
          break;
        }
        case 'comment': {
          const tok = this.lex();
          comments.push({ start: tok.pos, token: tok.text, suffix: false });
          break;
        }
        case 'eof':
          this.fail(`syntax error (unterminated block started at ${this.filename}:${start.line}:${start.col})`);
          break;
        case ')': {
          const rparen = this.lex();
          // A lone blank line before the closing paren is not kept.
          const only = comments[0];
          if (comments.length === 1 && only !== undefined && only.token === '' && only.start.line === 0) comments = [];
          if (!isEOL(this.peek())) this.fail('syntax error (expected newline after closing paren)');
          this.lex();
          return {
            kind: 'block',
            comments: newComments(),
            start,
            tokens,
            lines,
            lparen: { comments: newComments(), pos: lparen.pos },
            rparen: { comments: { before: comments, suffix: [] }, pos: rparen.pos },
          };
        }
        default: {
          const l = this.parseLine();
          l.comments.before = comments;
          lines.push(l);
          comments = [];
        }
      }
    }
  }

  private parseLine(): Line {
    const first = this.lex();
    if (isEOL(first.kind)) this.fail('internal parse error: parseLine at end of line');
    const start = first.pos;
    let end = first.endPos;
    const tokens = [first.text];
    for (;;) {
      const tok = this.lex();
      if (isEOL(tok.kind)) return { kind: 'line', comments: newComments(), start, end, tokens, inBlock: true };
      tokens.push(tok.text);
      end = tok.endPos;
    }
  }

  /**
   * Attaches each end-of-line comment to the last element (in end order) that
   * ends before it and lies on one line, so `x ( y \n z ) // c` goes to z.
   * Comments left over go to the file.
   */
  private assignSuffixComments(file: FileSyntax): void {
    interface Node {
      comments: Comments;
      start: Position;
      end: Position;
    }
    const after = (p: Position): Position => ({ line: p.line, col: p.col + 1, offset: p.offset + 1 });
    const post: Node[] = [];
    for (const s of file.stmts) {
      if (s.kind === 'line') post.push(s);
      else if (s.kind === 'comments') post.push({ comments: s.comments, start: s.start, end: s.start });
      else {
        post.push({ comments: s.lparen.comments, start: s.lparen.pos, end: after(s.lparen.pos) });
        post.push(...s.lines);
        post.push({ comments: s.rparen.comments, start: s.rparen.pos, end: after(s.rparen.pos) });
        post.push({ comments: s.comments, start: s.start, end: after(s.rparen.pos) });
      }
    }
    const pending = [...this.suffixComments];
    for (let i = post.length - 1; i >= 0; i--) {
      const x = post[i];
      if (x === undefined || x.start.line !== x.end.line) continue;
      for (let c = pending[pending.length - 1]; c !== undefined && x.end.offset <= c.start.offset; c = pending[pending.length - 1]) {
        x.comments.suffix.unshift(c);
        pending.pop();
      }
    }
    file.comments.before.push(...pending);
  }
}

/**
 * Parses the go.mod syntax of text. Throws ModfileError with the one syntax
 * error that stopped the parser.
 */
export function parseSyntax(file: string, text: string): FileSyntax {
  const input = new Input(file, text);
  try {
    return input.parse();
  } catch (err) {
    if (err instanceof StopParsing && input.error !== undefined) throw input.error;
    throw err;
  }
}
