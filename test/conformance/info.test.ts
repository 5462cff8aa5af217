/**
 * The cached .info bytes against the real go command: a file:// proxy serves
 * .info files with every Origin field, unknown keys, odd key case, odd times
 * and string escapes; `go mod download` re-marshals them into the module cache,
 * and our cacheInfoText(parseInfo(served)) must produce exactly those bytes.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheInfoText, parseInfo } from '../../src/core/goproxy/info.ts';
import { goAvailability, runGo } from '../support/goTool.ts';

const MOD = 'example.com/infotest';
const ALL_ORIGIN =
  '"Origin":{"RepoSum":"r1:xyz","Ref":"refs/tags/@VER@","TagSum":"t1:abc","TagPrefix":"p/","Hash":"0123456789abcdef0123456789abcdef01234567",' +
  '"Subdir":"sub","URL":"https://example.com/x?a=1&b=<2>","VCS":"git","Unknown":"u"}';

/** version -> served .info body (as bytes; some are deliberately not valid UTF-8). */
function cases(): Map<string, Uint8Array> {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const m = new Map<string, Uint8Array>();
  const add = (v: string, body: string | Uint8Array): void => {
    m.set(v, typeof body === 'string' ? enc(body.replaceAll('@VER@', v)) : body);
  };
  add('v1.0.0', `{"Time":"2020-01-02T03:04:05.120+01:00","Version":"v1.0.0","Extra":1,${ALL_ORIGIN}}\n`);
  add('v0.0.0-20200102030405-0123456789ab', `{"version":"@VER@","time":"2020-01-02T03:04:05Z",${ALL_ORIGIN.replace('"Origin"', '"origin"')}}`);
  add('v1.1.0', '{"Version":"@VER@","Origin":{"TagSum":"t1:abc","RepoSum":"r"}}');
  add('v1.2.0', '{"Version":"@VER@","Time":"2021-12-31T23:59:59.123456789123-00:00","Origin":null}');
  add('v1.3.0', '{"Version":"@VER@","Time":"2021-06-01T7:08:09,5+05:30","Origin":{"VCS":"git"},"Origin":{"URL":"u\\u2028\\u0001\\ud800x\\ud83d\\ude00"}}');
  add('v1.4.0', '{"VERSION":"@VER@","Time":"2021-06-01T07:08:09.000Z","Origin":{"Ref":"refs/heads/main","Hash":"h","vcs":"hg","url":"\\"q\\"\\t/\\/"}}');
  add('v1.5.0-pre.1', '{"Version":"@VER@","Time":"2000-02-29T12:00:00+14:00","Origin":{}}');
  const raw = enc('{"Version":"v1.6.0","Origin":{"Subdir":"a\u00ffZ"}}');
  // Replace the two UTF-8 bytes of U+00FF with one invalid byte 0xFF.
  const i = raw.indexOf(0xc3);
  m.set('v1.6.0', new Uint8Array([...raw.subarray(0, i), 0xff, ...raw.subarray(i + 2)]));
  return m;
}

describe.skipIf(!goAvailability().ok)(`cached .info re-marshalling matches ${goAvailability().version || 'go'}`, () => {
  let dir = '';
  const served = cases();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'modcarry-info-'));
    const vdir = join(dir, 'proxy', ...MOD.split('/'), '@v');
    mkdirSync(vdir, { recursive: true });
    for (const [v, body] of served) {
      const gomod = `module ${MOD}\n`;
      writeFileSync(join(vdir, `${v}.info`), body);
      writeFileSync(join(vdir, `${v}.mod`), gomod);
      writeFileSync(join(vdir, `${v}.zip`), zipSync({ [`${MOD}@${v}/go.mod`]: new TextEncoder().encode(gomod) }));
    }
    mkdirSync(join(dir, 'work'));
    const args = ['mod', 'download', '-json', ...[...served.keys()].map((v) => `${MOD}@${v}`)];
    const r = runGo(args, join(dir, 'work'), { home: dir, GOPROXY: `file://${join(dir, 'proxy')}`, GOSUMDB: 'off' });
    if (r.status !== 0) throw new Error(`go mod download failed:\n${r.stderr}\n${r.stdout}`);
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  for (const v of cases().keys()) {
    it(`${v}.info`, () => {
      const cached = readFileSync(join(dir, 'gopath', 'pkg', 'mod', 'cache', 'download', ...MOD.split('/'), '@v', `${v}.info`));
      const ours = new TextEncoder().encode(cacheInfoText(parseInfo(served.get(v)!)));
      expect(Buffer.from(ours).toString('utf8')).toBe(cached.toString('utf8'));
      expect(Buffer.compare(Buffer.from(ours), cached)).toBe(0);
    });
  }

  it('keeps the go1.23+ Origin order and clears TagSum, TagPrefix, RepoSum (and Ref for pseudo-versions)', () => {
    const read = (v: string): string =>
      readFileSync(join(dir, 'gopath', 'pkg', 'mod', 'cache', 'download', ...MOD.split('/'), '@v', `${v}.info`), 'utf8');
    expect(read('v1.0.0')).toBe(
      '{"Version":"v1.0.0","Time":"2020-01-02T03:04:05.12+01:00","Origin":{"VCS":"git","URL":"https://example.com/x?a=1\\u0026b=\\u003c2\\u003e",' +
        '"Subdir":"sub","Hash":"0123456789abcdef0123456789abcdef01234567","Ref":"refs/tags/v1.0.0"}}',
    );
    expect(read('v0.0.0-20200102030405-0123456789ab')).not.toContain('"Ref"');
    expect(read('v1.1.0')).toBe('{"Version":"v1.1.0","Time":"0001-01-01T00:00:00Z","Origin":{}}');
  });
});
