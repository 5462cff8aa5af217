import { describe, expect, it } from 'vitest';
import { isLoopbackHost, redirectRefusal } from '../../../src/server/relay/redirectPolicy.ts';

const base = new URL('https://proxy.example/go');

describe('redirectRefusal', () => {
  it('follows https anywhere', () => {
    expect(redirectRefusal(base, new URL('https://storage.example/bucket/x.zip?sig=1'))).toBeUndefined();
  });

  it.each([
    ['file:///etc/passwd', /file:/],
    ['ftp://storage.example/x', /ftp:/],
    ['data:text/plain,x', /data:/],
    ['http://storage.example/x', /plain http/],
    ['http://127.0.0.1:8080/x', /plain http/],
    ['https://u:p@storage.example/x', /credentials/],
  ])('refuses %s', (to, reason) => {
    expect(redirectRefusal(base, new URL(to))).toMatch(reason);
  });

  it('allows plain http back to a plain-http upstream, and to loopback only when asked', () => {
    const lan = new URL('http://athens.lan:3000/');
    expect(redirectRefusal(lan, new URL('http://athens.lan:3000/other'))).toBeUndefined();
    expect(redirectRefusal(lan, new URL('http://127.0.0.1:9/x'))).toMatch(/plain http/);
    expect(redirectRefusal(lan, new URL('http://127.0.0.1:9/x'), { allowLoopbackHttp: true })).toBeUndefined();
    expect(redirectRefusal(lan, new URL('http://evil.example/x'), { allowLoopbackHttp: true })).toMatch(/plain http/);
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['10.0.0.1', 'example.com', '127.0.0.1.evil.example'].map(isLoopbackHost)).toEqual([false, false, false]);
  });
});
