import { describe, expect, it } from 'vitest';
import { readGoEnv, resolveRelaySettings } from '../../../src/server/relay/relaySettings.ts';
import { goAvailability } from '../../support/goTool.ts';

describe('resolveRelaySettings', () => {
  const goEnv = { GOPROXY: 'https://go-env.example,direct', GOSUMDB: 'sum.go-env.example' };

  it('prefers the environment', () => {
    expect(resolveRelaySettings({ GOPROXY: 'https://env.example', GOSUMDB: 'off' }, goEnv)).toEqual({
      goproxy: 'https://env.example',
      gosumdb: 'off',
      source: { goproxy: 'env', gosumdb: 'env' },
    });
  });

  it('falls back to go env, counting empty variables as unset', () => {
    expect(resolveRelaySettings({ GOPROXY: '', GOSUMDB: '' }, goEnv)).toEqual({
      goproxy: 'https://go-env.example,direct',
      gosumdb: 'sum.go-env.example',
      source: { goproxy: 'go env', gosumdb: 'go env' },
    });
  });

  it('leaves GOPROXY unset without go, and uses sum.golang.org', () => {
    expect(resolveRelaySettings({}, undefined)).toEqual({ goproxy: undefined, gosumdb: 'sum.golang.org', source: { goproxy: 'none', gosumdb: 'default' } });
  });
});

describe('readGoEnv', () => {
  it('resolves undefined when the command does not exist', async () => {
    expect(await readGoEnv(5000, '/nonexistent/modcarry-no-go')).toBeUndefined();
  });

  describe.skipIf(!goAvailability().ok)('with the real go command', () => {
    it('reads GOPROXY and GOSUMDB as go env prints them', async () => {
      const saved = { GOPROXY: process.env.GOPROXY, GOSUMDB: process.env.GOSUMDB };
      process.env.GOPROXY = 'https://relay-test.example|off';
      process.env.GOSUMDB = 'off';
      try {
        expect(await readGoEnv(30_000)).toEqual({ GOPROXY: 'https://relay-test.example|off', GOSUMDB: 'off' });
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    });
  });
});
