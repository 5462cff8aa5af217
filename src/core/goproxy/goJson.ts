/**
 * A JSON reader and string writer that behave like Go's encoding/json (v1),
 * for the .info files the go command decodes and re-encodes: the whole input
 * is syntax-checked first with the scanner's error texts; strings decode
 * invalid UTF-8 bytes and lone surrogate escapes to U+FFFD; object members keep
 * their order and duplicates (the decoder applies them in order). JSON.parse
 * differs on every one of these points.
 */
import { goQuoteRune } from '../module/quote.ts';

/** A decoded JSON value. String values carry the raw literal for Unmarshalers such as time.Time. */
export type JsonValue =
  | { readonly kind: 'string'; readonly value: string; readonly raw: string }
  | { readonly kind: 'number'; readonly raw: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }
  | { readonly kind: 'array'; readonly items: readonly JsonValue[] }
  | { readonly kind: 'object'; readonly members: readonly (readonly [string, JsonValue])[] };

/** A syntax error with encoding/json's text, e.g. "invalid character 'x' looking for beginning of value". */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** encoding/json's quoteChar: the byte as a Go rune literal. */
function quoteChar(c: number): string {
  return goQuoteRune(c);
}

const EOF_MESSAGE = 'unexpected end of JSON input';

function isWs(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Decodes one UTF-8 rune at i the way Go's utf8.DecodeRune does: invalid gives U+FFFD, width 1. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c0 = b[i]!;
  if (c0 < 0x80) return [c0, 1];
  const need = c0 >= 0xc2 && c0 <= 0xdf ? 2 : c0 >= 0xe0 && c0 <= 0xef ? 3 : c0 >= 0xf0 && c0 <= 0xf4 ? 4 : 0;
  if (need === 0 || i + need > b.length) return [0xfffd, 1];
  const c1 = b[i + 1]!;
  let lo = 0x80;
  let hi = 0xbf;
  if (c0 === 0xe0) lo = 0xa0;
  else if (c0 === 0xed) hi = 0x9f;
  else if (c0 === 0xf0) lo = 0x90;
  else if (c0 === 0xf4) hi = 0x8f;
  if (c1 < lo || c1 > hi) return [0xfffd, 1];
  let cp = c0 & (need === 2 ? 0x1f : need === 3 ? 0x0f : 0x07);
  cp = (cp << 6) | (c1 & 0x3f);
  for (let k = 2; k < need; k++) {
    const ck = b[i + k]!;
    if ((ck & 0xc0) !== 0x80) return [0xfffd, 1];
    cp = (cp << 6) | (ck & 0x3f);
  }
  return [cp, need];
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
}

class Reader {
  i = 0;
  constructor(readonly b: Uint8Array) {}

  fail(c: number | undefined, context: string): never {
    if (c === undefined) throw new JsonSyntaxError(EOF_MESSAGE);
    throw new JsonSyntaxError(`invalid character ${quoteChar(c)} ${context}`);
  }

  skipWs(): void {
    while (isWs(this.b[this.i])) this.i++;
  }

  value(): JsonValue {
    this.skipWs();
    const c = this.b[this.i];
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case 0x22:
        return this.string('looking for beginning of value');
      case 0x74:
        this.literal('true');
        return { kind: 'bool', value: true };
      case 0x66:
        this.literal('false');
        return { kind: 'bool', value: false };
      case 0x6e:
        this.literal('null');
        return { kind: 'null' };
      default:
        if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(c, 'looking for beginning of value');
    }
  }

  literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      const c = this.b[this.i + k];
      if (c !== word.charCodeAt(k)) {
        if (c === undefined) this.fail(undefined, '');
        this.fail(c, `in literal ${word} (expecting ${quoteChar(word.charCodeAt(k))})`);
      }
    }
    this.i += word.length;
  }

  number(): JsonValue {
    const start = this.i;
    const b = this.b;
    const digit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
    if (b[this.i] === 0x2d) {
      this.i++;
      if (!digit(b[this.i])) this.fail(b[this.i], 'in numeric literal');
    }
    if (b[this.i] === 0x30) this.i++;
    else while (digit(b[this.i])) this.i++;
    if (b[this.i] === 0x2e) {
      this.i++;
      if (!digit(b[this.i])) this.fail(b[this.i], 'after decimal point in numeric literal');
      while (digit(b[this.i])) this.i++;
    }
    if (b[this.i] === 0x65 || b[this.i] === 0x45) {
      this.i++;
      if (b[this.i] === 0x2b || b[this.i] === 0x2d) this.i++;
      if (!digit(b[this.i])) this.fail(b[this.i], 'in exponent of numeric literal');
      while (digit(b[this.i])) this.i++;
    }
    return { kind: 'number', raw: latin1(b, start, this.i) };
  }

  hex4(at: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const c = this.b[at + k];
      if (c === undefined) this.fail(undefined, '');
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) this.fail(c, 'in \\u hexadecimal character escape');
      v = v * 16 + d;
    }
    return v;
  }

  string(_context: string): JsonValue & { kind: 'string' } {
    const b = this.b;
    const start = this.i;
    this.i++; // opening quote
    let out = '';
    for (;;) {
      const c = b[this.i];
      if (c === undefined) this.fail(undefined, '');
      if (c === 0x22) {
        this.i++;
        break;
      }
      if (c < 0x20) this.fail(c, 'in string literal');
      if (c === 0x5c) {
        const e = b[this.i + 1];
        const simple: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };
        if (e === undefined) this.fail(undefined, '');
        if (simple[e] !== undefined) {
          out += simple[e];
          this.i += 2;
          continue;
        }
        if (e !== 0x75) this.fail(e, 'in string escape code');
        let cp = this.hex4(this.i + 2);
        this.i += 6;
        if (cp >= 0xd800 && cp <= 0xdfff) {
          // A high surrogate combines only with an immediately following low one.
          let combined = false;
          if (cp < 0xdc00 && b[this.i] === 0x5c && b[this.i + 1] === 0x75) {
            const lo = this.hex4(this.i + 2);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              this.i += 6;
              combined = true;
            }
          }
          if (!combined) cp = 0xfffd;
        }
        out += String.fromCodePoint(cp);
        continue;
      }
      const [cp, w] = decodeRune(b, this.i);
      out += String.fromCodePoint(cp);
      this.i += w;
    }
    return { kind: 'string', value: out, raw: latin1(b, start, this.i) };
  }

  array(): JsonValue {
    this.i++;
    const items: JsonValue[] = [];
    this.skipWs();
    if (this.b[this.i] === 0x5d) {
      this.i++;
      return { kind: 'array', items };
    }
    for (;;) {
      items.push(this.value());
      this.skipWs();
      const c = this.b[this.i];
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return { kind: 'array', items };
      }
      this.fail(c, 'after array element');
    }
  }

  object(): JsonValue {
    this.i++;
    const members: [string, JsonValue][] = [];
    this.skipWs();
    if (this.b[this.i] === 0x7d) {
      this.i++;
      return { kind: 'object', members };
    }
    for (;;) {
      this.skipWs();
      const c = this.b[this.i];
      if (c !== 0x22) this.fail(c, 'looking for beginning of object key string');
      const key = this.string('').value;
      this.skipWs();
      if (this.b[this.i] !== 0x3a) this.fail(this.b[this.i], 'after object key');
      this.i++;
      members.push([key, this.value()]);
      this.skipWs();
      const d = this.b[this.i];
      if (d === 0x2c) {
        this.i++;
        continue;
      }
      if (d === 0x7d) {
        this.i++;
        return { kind: 'object', members };
      }
      this.fail(d, 'after object key:value pair');
    }
  }
}

/** Parses a complete JSON document as Go's json.Unmarshal sees it. Throws JsonSyntaxError. */
export function parseGoJson(data: Uint8Array): JsonValue {
  const r = new Reader(data);
  const v = r.value();
  r.skipWs();
  if (r.i < data.length) r.fail(data[r.i], 'after top-level value');
  return v;
}

/** Go's JSON kind word in UnmarshalTypeError messages. */
export function jsonKind(v: JsonValue): string {
  return v.kind === 'bool' ? 'bool' : v.kind;
}

const HTML_ESCAPE: Readonly<Record<string, string>> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026' };

/** s as Go's json.Marshal writes a string (HTML-safe: <, >, & and U+2028/9 escaped). */
export function marshalGoJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (HTML_ESCAPE[ch] !== undefined) out += HTML_ESCAPE[ch];
    else if (cp < 0x20) {
      const short: Record<number, string> = { 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t' };
      out += short[cp] ?? '\\u00' + cp.toString(16).padStart(2, '0');
    } else if (cp === 0x2028 || cp === 0x2029) out += '\\u' + cp.toString(16);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}
