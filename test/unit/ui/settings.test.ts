import { describe, it, expect } from 'vitest';
import {
  absolutizeProxyList,
  DEFAULT_APP_SETTINGS,
  jobEnvOf,
  mergeSettings,
  parseQueries,
  parseStoredSettings,
  parseToolchains,
  relayDefaults,
  settingsFromQuery,
  shareLink,
  validateSettings,
} from '../../../src/ui/state/settings.ts';

const ORIGIN = 'https://carry.example:8443';

describe('settings layers', () => {
  it('reads only the go settings from the URL, trimmed, and keeps present-but-empty ones', () => {
    expect(settingsFromQuery('?goproxy=%20https://p.example%20&gosumdb=off&goprivate=&chunkKiB=1&x=1')).toEqual({ goproxy: 'https://p.example', gosumdb: 'off', goprivate: '' });
    expect(settingsFromQuery('')).toEqual({});
  });

  it('lets later layers win: relay, then saved, then URL', () => {
    const s = mergeSettings({ goproxy: 'relay', gosumdb: 'relaydb' }, { goproxy: 'saved', concurrency: 2 }, { goproxy: 'url' });
    expect(s).toEqual({ ...DEFAULT_APP_SETTINGS, goproxy: 'url', gosumdb: 'relaydb', concurrency: 2 });
  });

  it('drops saved values of the wrong type and unparsable saved text', () => {
    expect(parseStoredSettings('{"goproxy":"a","concurrency":"9","chunkKiB":512,"evil":{"x":1}}')).toEqual({ goproxy: 'a', chunkKiB: 512 });
    expect(parseStoredSettings('not json')).toEqual({});
    expect(parseStoredSettings('[1,2]')).toEqual({});
    expect(parseStoredSettings(null)).toEqual({});
  });

  it('round-trips a share link through the URL parser', () => {
    const s = mergeSettings({ goproxy: 'https://a.example/goproxy/0|https://b.example', gosumdb: 'sum.golang.org', goprivate: 'corp.example/*' });
    const link = shareLink(`${ORIGIN}/some/page?old=1#x`, s);
    expect(link.startsWith(`${ORIGIN}/some/page?`)).toBe(true);
    expect(settingsFromQuery(new URL(link).search)).toEqual({ goproxy: s.goproxy, gosumdb: s.gosumdb, goprivate: s.goprivate });
  });
});

describe('relay defaults (/goproxy/config.json)', () => {
  it('makes relative proxy prefixes absolute and keeps separators, direct and off', () => {
    expect(absolutizeProxyList('/goproxy/0,/goproxy/1|direct', ORIGIN)).toBe(`${ORIGIN}/goproxy/0,${ORIGIN}/goproxy/1|direct`);
    expect(absolutizeProxyList('https://other.example/p,off', ORIGIN)).toBe('https://other.example/p,off');
  });

  it('turns the relayed checksum database into "key url"', () => {
    const d = relayDefaults(
      { version: 1, goproxyForBrowser: '/goproxy/0', sumdb: { name: 'sum.golang.org', prefix: '/sumdb/sum.golang.org', key: 'sum.golang.org+033de0ae+Ac4z', upstream: 'https://sum.golang.org' }, problems: ['p1', 7] },
      ORIGIN,
    );
    expect(d.settings).toEqual({ goproxy: `${ORIGIN}/goproxy/0`, gosumdb: `sum.golang.org+033de0ae+Ac4z ${ORIGIN}/sumdb/sum.golang.org` });
    expect(d.problems).toEqual(['p1']);
  });

  it('says nothing when nothing is configured, and off when GOSUMDB is off', () => {
    expect(relayDefaults({ goproxyForBrowser: null, sumdb: null, gosumdb: null, problems: [] }, ORIGIN).settings).toEqual({});
    expect(relayDefaults({ goproxyForBrowser: null, sumdb: null, gosumdb: 'off' }, ORIGIN).settings).toEqual({ gosumdb: 'off' });
    expect(relayDefaults('nonsense', ORIGIN)).toEqual({ settings: {}, problems: [] });
  });
});

describe('validation and the job environment', () => {
  it('asks for a GOPROXY on first run and names every bad field', () => {
    const fields = validateSettings({ ...DEFAULT_APP_SETTINGS, concurrency: 0, chunkKiB: 8, gzip: '11', toolchains: 'linux-amd64' }).map((p) => p.field);
    expect(fields).toEqual(['goproxy', 'concurrency', 'chunkKiB', 'gzip', 'toolchains']);
    expect(validateSettings(mergeSettings({ goproxy: 'https://p.example' }))).toEqual([]);
    expect(validateSettings(mergeSettings({ goproxy: 'off' }))[0]?.message).toMatch(/disallows/);
  });

  it('defaults GONOPROXY and GONOSUMDB to GOPRIVATE, as go does', () => {
    expect(jobEnvOf(mergeSettings({ goproxy: 'https://p.example', goprivate: 'corp.example' }))).toEqual({
      GOPROXY: 'https://p.example',
      GONOPROXY: 'corp.example',
      GOSUMDB: 'sum.golang.org',
      GONOSUMDB: 'corp.example',
      GOPRIVATE: 'corp.example',
    });
    expect(jobEnvOf(mergeSettings({ goproxy: 'x', goprivate: 'a', gonosumdb: 'b' })).GONOSUMDB).toBe('b');
  });

  it('parses toolchain platforms and module lists', () => {
    expect(parseToolchains('linux/amd64, darwin/arm64\nwindows/386')).toEqual([
      { goos: 'linux', goarch: 'amd64' },
      { goos: 'darwin', goarch: 'arm64' },
      { goos: 'windows', goarch: '386' },
    ]);
    expect(() => parseToolchains('linux')).toThrow(/GOOS\/GOARCH/);
    expect(parseQueries('a.example/m@v1.0.0  b.example/n@latest\n# comment\nc.example/o@v1 # trailing\n')).toEqual(['a.example/m@v1.0.0', 'b.example/n@latest', 'c.example/o@v1']);
  });
});
