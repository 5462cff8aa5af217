import { describe, expect, it } from 'vitest';
import { relayConfigJson, resolveRelayConfig } from '../../../src/server/relay/relayConfig.ts';
import { SUM_GOLANG_ORG_KEY } from '../../../src/core/sumdb/gosumdb.ts';

describe('resolveRelayConfig', () => {
  it('gives each http(s) entry a prefix and keeps separators, direct and off', async () => {
    const c = await resolveRelayConfig('proxy.example.com|https://b.example/go/,direct', 'sum.golang.org');
    expect(c.entries.map((e) => [e.prefix, e.upstream.href, e.fallBackOnError])).toEqual([
      ['/goproxy/0', 'https://proxy.example.com/', true],
      ['/goproxy/1', 'https://b.example/go/', false],
    ]);
    expect(c.goproxyForBrowser).toBe('/goproxy/0|/goproxy/1,direct');
    expect(c.problems).toEqual([]);
    expect(c.sumdb).toMatchObject({ name: 'sum.golang.org', prefix: '/sumdb/sum.golang.org', key: SUM_GOLANG_ORG_KEY });
    expect(c.sumdb?.upstream.href).toBe('https://sum.golang.org/');
  });

  it('ends the list at off, as go does', async () => {
    const c = await resolveRelayConfig('https://a.example,off,https://b.example', undefined);
    expect(c.goproxyForBrowser).toBe('/goproxy/0,off');
    expect(c.entries).toHaveLength(1);
    expect(c.sumdb).toBeNull();
  });

  it('drops file:// entries with their separator and says why', async () => {
    const c = await resolveRelayConfig('file:///srv/a|https://b.example', undefined);
    expect(c.goproxyForBrowser).toBe('/goproxy/0');
    expect(c.skipped).toEqual([{ upstream: 'file:///srv/a', reason: 'file:// proxies are not relayed' }]);
    expect((await resolveRelayConfig('file:///srv/a', undefined)).goproxyForBrowser).toBeNull();
  });

  it('treats undefined and empty as not configured', async () => {
    for (const v of [undefined, '']) {
      const c = await resolveRelayConfig(v, v);
      expect(relayConfigJson(c)).toEqual({ version: 1, goproxy: null, entries: [], goproxyForBrowser: null, skipped: [], gosumdb: null, sumdb: null, problems: [] });
    }
  });

  it("collects go's errors instead of throwing", async () => {
    const c = await resolveRelayConfig(',,', 'not a key');
    expect(c.problems).toEqual(['GOPROXY list is not the empty string, but contains no entries', expect.stringMatching(/^invalid GOSUMDB: /)]);
    expect(c.entries).toEqual([]);
    expect(c.sumdb).toBeNull();
  });

  it('relays GOSUMDB off as nothing, and sum.golang.google.cn to its own host', async () => {
    expect((await resolveRelayConfig(undefined, 'off')).sumdb).toBeNull();
    const cn = await resolveRelayConfig(undefined, 'sum.golang.google.cn');
    expect(cn.sumdb?.name).toBe('sum.golang.org');
    expect(cn.sumdb?.upstream.href).toBe('https://sum.golang.google.cn/');
  });

  it('never shows passwords in its public form', async () => {
    const c = await resolveRelayConfig('https://u:hunter2@a.example/p,direct', `${SUM_GOLANG_ORG_KEY} https://u:hunter2@sum.example`);
    const json = JSON.stringify(relayConfigJson(c));
    expect(json).not.toContain('hunter2');
    expect(relayConfigJson(c).entries[0]!.upstream).toBe('https://u:xxxxx@a.example/p');
    expect(c.entries[0]!.upstream.password).toBe('hunter2');
  });
});
