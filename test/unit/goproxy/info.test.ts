import { describe, expect, it } from 'vitest';
import { formatGoTime, parseGoTime } from '../../../src/core/goproxy/goTime.ts';
import { cacheInfoText, marshalInfo, parseInfo } from '../../../src/core/goproxy/info.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const cached = (s: string | Uint8Array): string => cacheInfoText(parseInfo(typeof s === 'string' ? enc(s) : s));

describe('.info re-marshalling', () => {
  it('spec §1.2 example', () => {
    const served =
      '{"Time":"2020-01-02T03:04:05.120+01:00","Version":"v1.0.0","Extra":1,"Origin":{"VCS":"git","URL":"https://example.com/x",' +
      '"Hash":"0123456789abcdef0123456789abcdef01234567","Ref":"refs/tags/v1.0.0","TagSum":"t1:abc"}}\n';
    expect(cached(served)).toBe(
      '{"Version":"v1.0.0","Time":"2020-01-02T03:04:05.12+01:00","Origin":{"VCS":"git","URL":"https://example.com/x","Hash":"0123456789abcdef0123456789abcdef01234567","Ref":"refs/tags/v1.0.0"}}',
    );
  });

  it('orders Origin fields like go1.23+ and clears TagPrefix, TagSum, RepoSum, and Ref for pseudo-versions', () => {
    const origin = '"Origin":{"RepoSum":"r","Ref":"refs/heads/main","TagSum":"t","TagPrefix":"p","Hash":"h","Subdir":"s","URL":"u","VCS":"git"}';
    expect(cached(`{"Version":"v1.0.0",${origin}}`)).toBe('{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z","Origin":{"VCS":"git","URL":"u","Subdir":"s","Hash":"h","Ref":"refs/heads/main"}}');
    expect(cached(`{"Version":"v0.0.0-20200102030405-0123456789ab",${origin}}`)).toBe(
      '{"Version":"v0.0.0-20200102030405-0123456789ab","Time":"0001-01-01T00:00:00Z","Origin":{"VCS":"git","URL":"u","Subdir":"s","Hash":"h"}}',
    );
    expect(marshalInfo(parseInfo(enc(`{"Version":"v1.0.0",${origin}}`)))).toContain('"TagPrefix":"p","TagSum":"t","Ref":"refs/heads/main","RepoSum":"r"');
  });

  it('keeps an emptied Origin as {} and drops a null one', () => {
    expect(cached('{"Version":"v1.0.0","Origin":{"TagSum":"x"}}')).toBe('{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z","Origin":{}}');
    expect(cached('{"Version":"v1.0.0","Origin":null}')).toBe('{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z"}');
  });

  it('matches keys case-insensitively, merges repeated Origin objects, last value wins', () => {
    expect(cached('{"version":"v1","VERSION":"v1.0.0","origin":{"vcs":"git"},"Origin":{"url":"u"}}')).toBe(
      '{"Version":"v1.0.0","Time":"0001-01-01T00:00:00Z","Origin":{"VCS":"git","URL":"u"}}',
    );
    expect(parseInfo(enc('{"Ver\u017fion":"v1.0.0"}')).version).toBe('v1.0.0');
  });

  it('escapes strings like encoding/json', () => {
    expect(cached('{"Version":"<&>\\u2028\\u0001\\b\\f\\n\\"\\\\/\\ud800\\ud83d\\ude00"}')).toBe(
      '{"Version":"\\u003c\\u0026\\u003e\\u2028\\u0001\\b\\f\\n\\"\\\\/\ufffd\u{1f600}","Time":"0001-01-01T00:00:00Z"}',
    );
    expect(cached(new Uint8Array([...enc('{"Version":"a'), 0xff, ...enc('b"}')]))).toBe('{"Version":"a\ufffdb","Time":"0001-01-01T00:00:00Z"}');
  });

  it('reports go\'s json errors', () => {
    const err = (s: string): string => {
      try {
        parseInfo(enc(s));
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err('')).toBe('unexpected end of JSON input');
    expect(err('<html>')).toBe("invalid character '<' looking for beginning of value");
    expect(err('{"Version":"v1.0.0"} x')).toBe("invalid character 'x' after top-level value");
    expect(err('{"Version" "v1"}')).toBe("invalid character '\"' after object key");
    expect(err('{"Version":"v1" "x":1}')).toBe("invalid character '\"' after object key:value pair");
    expect(err('{"Version":tru}')).toBe("invalid character '}' in literal true (expecting 'e')");
    expect(err('{"Version":1}')).toBe('json: cannot unmarshal number into Go struct field RevInfo.Version of type string');
    expect(err('{"Origin":{"VCS":true}}')).toBe('json: cannot unmarshal bool into Go struct field RevInfo.Origin.VCS of type string');
    expect(err('[]')).toBe('json: cannot unmarshal array into Go value of type modfetch.RevInfo');
    expect(err('{"Time":5}')).toBe('Time.UnmarshalJSON: input is not a JSON string');
    expect(err('{"Time":"yesterday"}')).toMatch(/^parsing time "yesterday"/);
    expect(err('null')).toBe('no error');
  });
});

describe('Go time text', () => {
  it('parses RFC 3339 like time.Parse and writes RFC3339Nano', () => {
    const round = (s: string): string => formatGoTime(parseGoTime(s));
    expect(round('2020-01-02T03:04:05.120+01:00')).toBe('2020-01-02T03:04:05.12+01:00');
    expect(round('2020-01-02T03:04:05.000Z')).toBe('2020-01-02T03:04:05Z');
    expect(round('2020-01-02T03:04:05.1234567891-00:00')).toBe('2020-01-02T03:04:05.123456789Z');
    expect(round('2020-01-02T3:04:05,5+05:30')).toBe('2020-01-02T03:04:05.5+05:30');
    expect(round('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00Z');
    expect(round('2000-02-29T23:59:59-12:00')).toBe('2000-02-29T23:59:59-12:00');
    expect(() => parseGoTime('2001-02-29T00:00:00Z')).toThrow(/day out of range/);
    expect(() => parseGoTime('2001-01-01T24:00:00Z')).toThrow(/hour out of range/);
    expect(() => parseGoTime('2001-01-01 00:00:00Z')).toThrow(/parsing time/);
  });
});
