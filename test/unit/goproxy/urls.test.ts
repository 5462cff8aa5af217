import { describe, expect, it } from 'vitest';
import { joinURL, latestURL, listURL, redactURL, sumdbProxyBase, sumdbSupportedURL, versionFileURL } from '../../../src/core/goproxy/urls.ts';

describe('proxy URLs', () => {
  it('case-encodes the path and sends ! as %21', () => {
    expect(versionFileURL('https://proxy.golang.org', 'github.com/Azure/azure-sdk-for-go', 'v1.0.0', 'zip')).toBe(
      'https://proxy.golang.org/github.com/%21azure/azure-sdk-for-go/@v/v1.0.0.zip',
    );
    expect(versionFileURL('http://127.0.0.1:8080/proxy/', 'example.com/Dep', 'v1.0.0', 'zip')).toBe('http://127.0.0.1:8080/proxy/example.com/%21dep/@v/v1.0.0.zip');
  });

  it('leaves + and @ literal and escapes versions', () => {
    expect(versionFileURL('https://p', 'example.com/m', 'v2.0.0+incompatible', 'info')).toBe('https://p/example.com/m/@v/v2.0.0+incompatible.info');
    expect(versionFileURL('https://p', 'example.com/m', 'v1.0.0-RC', 'mod')).toBe('https://p/example.com/m/@v/v1.0.0-%21r%21c.mod');
  });

  it('list and @latest', () => {
    expect(listURL('https://p/', 'example.com/m')).toBe('https://p/example.com/m/@v/list');
    expect(latestURL('https://p', 'example.com/m')).toBe('https://p/example.com/m/@latest');
  });

  it('cleans the joined path like path.Join', () => {
    expect(listURL('https://p/a/../b//', 'example.com/m')).toBe('https://p/b/example.com/m/@v/list');
  });

  it('keeps file:// URLs and their escaped paths', () => {
    expect(versionFileURL('file:///srv/go proxy', 'example.com/Dep', 'v1.0.0', 'info')).toBe('file:///srv/go%20proxy/example.com/%21dep/@v/v1.0.0.info');
  });

  it('rejects what escapePath/escapeVersion reject', () => {
    expect(() => listURL('https://p', 'example.com/a:b')).toThrow(/malformed module path/);
    expect(() => versionFileURL('https://p', 'example.com/m', 'v1!', 'info')).toThrow();
  });

  it('sumdb URLs are joined without cleaning', () => {
    expect(sumdbSupportedURL('https://p/x/', 'sum.golang.org')).toBe('https://p/x/sumdb/sum.golang.org/supported');
    expect(sumdbProxyBase('file:///srv/cache/download', 'sum.example.test')).toBe('file:///srv/cache/download/sumdb/sum.example.test');
    expect(joinURL('https://p/sumdb/s', '/lookup/example.com/!dep@v1.0.0')).toBe('https://p/sumdb/s/lookup/example.com/%21dep@v1.0.0');
  });

  it('redacts passwords for error texts', () => {
    expect(redactURL('https://user:secret@p/example.com/m/@v/list')).toBe('https://user:xxxxx@p/example.com/m/@v/list');
    expect(redactURL('https://p/example.com/%21m/@v/list')).toBe('https://p/example.com/%21m/@v/list');
  });
});
