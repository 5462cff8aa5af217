/**
 * The `.info` document (cmd/go modfetch.RevInfo) as the go command reads it
 * from a proxy and writes it into the module cache. The cached file is not the
 * proxy's bytes: go decodes into RevInfo (keys matched case-insensitively,
 * unknown keys dropped) and re-encodes with encoding/json, so the key order is
 * Version, Time, Origin, the Origin keys follow the go1.23+ struct order, empty
 * Origin fields are omitted, and there is no trailing newline. Before writing,
 * go clears Origin.TagSum, TagPrefix and RepoSum, and Ref for pseudo-versions.
 */
import { isPseudoVersion } from '../module/pseudo.ts';
import type { GoTime } from './goTime.ts';
import { formatGoTime, parseGoTime, ZERO_TIME } from './goTime.ts';
import type { JsonValue } from './goJson.ts';
import { jsonKind, marshalGoJsonString, parseGoJson } from './goJson.ts';

/** codehost.Origin: where a version came from. Every field is optional ('' = absent). */
export interface Origin {
  vcs: string;
  url: string;
  subdir: string;
  hash: string;
  tagPrefix: string;
  tagSum: string;
  ref: string;
  repoSum: string;
}

/** modfetch.RevInfo as stored in .info files. */
export interface RevInfo {
  version: string;
  time: GoTime;
  /** undefined when absent or null (a nil *Origin). */
  origin: Origin | undefined;
}

/** The Go field names of Origin, in the order encoding/json writes them (go1.23+). */
const ORIGIN_FIELDS: readonly (readonly [keyof Origin, string])[] = [
  ['vcs', 'VCS'],
  ['url', 'URL'],
  ['subdir', 'Subdir'],
  ['hash', 'Hash'],
  ['tagPrefix', 'TagPrefix'],
  ['tagSum', 'TagSum'],
  ['ref', 'Ref'],
  ['repoSum', 'RepoSum'],
];

/** An .info body go's json.Unmarshal rejects; message is go's json error text. */
export class InfoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InfoDecodeError';
  }
}

/** An empty Origin. */
export function emptyOrigin(): Origin {
  return { vcs: '', url: '', subdir: '', hash: '', tagPrefix: '', tagSum: '', ref: '', repoSum: '' };
}

/** encoding/json's key folding (foldName): ASCII case, plus the two non-ASCII letters that fold into these names. */
function fold(key: string): string {
  return key.replace(/\u017f/g, 'S').replace(/\u212a/g, 'K').toUpperCase();
}

const REVINFO_KEYS = new Map([
  ['VERSION', 'version'],
  ['TIME', 'time'],
  ['ORIGIN', 'origin'],
]);
const ORIGIN_KEYS = new Map(ORIGIN_FIELDS.map(([field, goName]) => [goName.toUpperCase(), field] as const));

function typeError(v: JsonValue, field: string, type: string): InfoDecodeError {
  return new InfoDecodeError(`json: cannot unmarshal ${jsonKind(v)} into Go struct field RevInfo.${field} of type ${type}`);
}

/**
 * Decodes an .info body as json.Unmarshal into RevInfo does. Throws
 * InfoDecodeError (syntax errors first, then the first type error).
 */
export function parseInfo(data: Uint8Array): RevInfo {
  let doc: JsonValue;
  try {
    doc = parseGoJson(data);
  } catch (e) {
    throw new InfoDecodeError((e as Error).message);
  }
  const info: RevInfo = { version: '', time: ZERO_TIME, origin: undefined };
  let firstError: InfoDecodeError | undefined;
  const save = (e: InfoDecodeError): void => {
    firstError ??= e;
  };
  if (doc.kind === 'null') return info;
  if (doc.kind !== 'object') {
    throw new InfoDecodeError(`json: cannot unmarshal ${jsonKind(doc)} into Go value of type modfetch.RevInfo`);
  }
  for (const [key, value] of doc.members) {
    const field = REVINFO_KEYS.get(fold(key));
    if (field === 'version') {
      if (value.kind === 'string') info.version = value.value;
      else if (value.kind !== 'null') save(typeError(value, 'Version', 'string'));
    } else if (field === 'time') {
      if (value.kind === 'null') continue;
      if (value.kind !== 'string') throw new InfoDecodeError('Time.UnmarshalJSON: input is not a JSON string');
      // time.Time.UnmarshalJSON parses the raw literal, escapes and all.
      try {
        info.time = parseGoTime(value.raw.slice(1, -1));
      } catch (e) {
        throw new InfoDecodeError((e as Error).message);
      }
    } else if (field === 'origin') {
      if (value.kind === 'null') {
        info.origin = undefined;
        continue;
      }
      if (value.kind !== 'object') {
        save(typeError(value, 'Origin', 'codehost.Origin'));
        continue;
      }
      // A repeated Origin key decodes into the same struct, merging fields.
      const origin = info.origin ?? emptyOrigin();
      info.origin = origin;
      for (const [okey, ovalue] of value.members) {
        const ofield = ORIGIN_KEYS.get(fold(okey));
        if (ofield === undefined) continue;
        if (ovalue.kind === 'string') origin[ofield] = ovalue.value;
        else if (ovalue.kind !== 'null') {
          save(typeError(ovalue, 'Origin.' + ORIGIN_FIELDS.find(([f]) => f === ofield)![1], 'string'));
        }
      }
    }
  }
  if (firstError !== undefined) throw firstError;
  return info;
}

/** json.Marshal(info): `{"Version":…,"Time":…[,"Origin":{…}]}`, no newline. */
export function marshalInfo(info: RevInfo): string {
  let out = `{"Version":${marshalGoJsonString(info.version)},"Time":"${formatGoTime(info.time)}"`;
  if (info.origin !== undefined) {
    const parts: string[] = [];
    for (const [field, goName] of ORIGIN_FIELDS) {
      const v = info.origin[field];
      if (v !== '') parts.push(`"${goName}":${marshalGoJsonString(v)}`);
    }
    out += `,"Origin":{${parts.join(',')}}`;
  }
  return out + '}';
}

/**
 * The info as writeDiskStat stores it: TagSum, TagPrefix and RepoSum cleared,
 * and Ref too when the version is a pseudo-version. An Origin that ends up empty
 * is kept (it encodes as {}), as go keeps the non-nil pointer.
 */
export function cleanInfoForCache(info: RevInfo): RevInfo {
  if (info.origin === undefined) return { ...info };
  const origin: Origin = { ...info.origin, tagSum: '', tagPrefix: '', repoSum: '' };
  if (isPseudoVersion(info.version)) origin.ref = '';
  return { ...info, origin };
}

/** The exact bytes (as text) go writes to cache/download/…/@v/<v>.info for info. */
export function cacheInfoText(info: RevInfo): string {
  return marshalInfo(cleanInfoForCache(info));
}
