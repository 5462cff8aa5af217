/**
 * Go's time.Time as far as .info files and version lists need it: parsing the
 * RFC 3339 text encoding/json accepts (time.Parse with time.RFC3339 semantics:
 * fractional seconds with '.' or ',', any number of digits truncated to
 * nanoseconds, 'Z' or ±hh:mm) and writing it back as RFC3339Nano, which trims
 * trailing zero digits, keeps the offset and prints a zero offset as 'Z'.
 * JavaScript's Date has only milliseconds and no offset, so it cannot do this.
 */

/** An instant with nanosecond precision and the UTC offset it was written in. */
export interface GoTime {
  /** Seconds since 1970-01-01T00:00:00Z. */
  readonly unixSec: number;
  /** 0 to 999999999. */
  readonly nsec: number;
  /** Seconds east of UTC. */
  readonly offsetSec: number;
}

/** The zero time.Time, 0001-01-01T00:00:00Z. */
export const ZERO_TIME: GoTime = Object.freeze({ unixSec: -62135596800, nsec: 0, offsetSec: 0 });

const LAYOUT = '2006-01-02T15:04:05Z07:00';

/** A time that go's JSON decoder rejects; message imitates time.ParseError. */
export class TimeParseError extends Error {
  constructor(value: string, elem: string, rest: string, extra = '') {
    super(extra !== ''
      ? `parsing time ${quote(value)}${extra}`
      : `parsing time ${quote(value)} as ${quote(LAYOUT)}: cannot parse ${quote(rest)} as ${quote(elem)}`);
    this.name = 'TimeParseError';
  }
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(month: number, year: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z0: number): { y: number; m: number; d: number } {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** Parses s as Go's JSON decoder parses a time.Time (time.RFC3339). Throws TimeParseError. */
export function parseGoTime(s: string): GoTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (m === null) throw new TimeParseError(s, firstBadElem(s), s);
  const [year, month, day, hour, min, sec] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x)) as [number, number, number, number, number, number];
  if (month < 1 || month > 12) throw new TimeParseError(s, '', '', ': month out of range');
  if (day < 1 || day > daysIn(month, year)) throw new TimeParseError(s, '', '', ': day out of range');
  if (hour > 23) throw new TimeParseError(s, '', '', ': hour out of range');
  if (min > 59) throw new TimeParseError(s, '', '', ': minute out of range');
  if (sec > 59) throw new TimeParseError(s, '', '', ': second out of range');
  const frac = (m[7] ?? '').slice(0, 9).padEnd(9, '0');
  const nsec = Number(frac);
  let offsetSec = 0;
  const tz = m[8]!;
  if (tz !== 'Z') {
    const hh = Number(tz.slice(1, 3));
    const mm = Number(tz.slice(4, 6));
    // time.Parse itself accepts up to 24:60, but encoding/json then cannot write the time back.
    if (hh > 23 || mm > 59) throw new TimeParseError(s, '', '', ': time zone offset out of range');
    offsetSec = (hh * 60 + mm) * 60 * (tz[0] === '-' ? -1 : 1);
  }
  const local = daysFromCivil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
  return { unixSec: local - offsetSec, nsec, offsetSec };
}

function firstBadElem(s: string): string {
  if (!/^\d{4}/.test(s)) return '2006';
  if (!/^\d{4}-\d{2}/.test(s)) return '-';
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return '01';
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) return '-';
  return 'T';
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** t as time.RFC3339Nano writes it (the form encoding/json uses). */
export function formatGoTime(t: GoTime): string {
  const local = t.unixSec + t.offsetSec;
  const days = Math.floor(local / 86400);
  const secOfDay = local - days * 86400;
  const { y, m, d } = civilFromDays(days);
  let out = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(secOfDay / 3600), 2)}:${pad(Math.floor((secOfDay % 3600) / 60), 2)}:${pad(secOfDay % 60, 2)}`;
  if (t.nsec !== 0) out += '.' + pad(t.nsec, 9).replace(/0+$/, '');
  if (t.offsetSec === 0) return out + 'Z';
  const abs = Math.abs(t.offsetSec);
  return out + (t.offsetSec < 0 ? '-' : '+') + pad(Math.floor(abs / 3600), 2) + ':' + pad(Math.floor((abs % 3600) / 60), 2);
}

/** Whether t is before u (time.Time.Before). */
export function timeBefore(t: GoTime, u: GoTime): boolean {
  return t.unixSec < u.unixSec || (t.unixSec === u.unixSec && t.nsec < u.nsec);
}

/** t as a JavaScript Date (milliseconds; the offset is lost). */
export function goTimeToDate(t: GoTime): Date {
  return new Date(t.unixSec * 1000 + Math.floor(t.nsec / 1e6));
}
