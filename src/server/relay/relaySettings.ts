/**
 * Where `npm start` takes the relays' upstreams from: GOPROXY and GOSUMDB in
 * the environment; else what `go env` reports when go is installed (which
 * includes `go env -w` settings and $GOROOT/go.env defaults); else no GOPROXY
 * at all (config.json then says so and the app asks on first run) and the
 * default checksum database, sum.golang.org. As in the go command, a variable
 * set to the empty string counts as unset.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { GO_ENV_DEFAULTS } from '../../core/goproxy/goEnv.ts';

export type SettingSource = 'env' | 'go env' | 'default' | 'none';

export interface RelaySettings {
  /** The upstream GOPROXY, or undefined when none is known. */
  goproxy: string | undefined;
  gosumdb: string;
  source: { goproxy: SettingSource; gosumdb: SettingSource };
}

/** What `go env GOPROXY GOSUMDB` printed, or undefined when go is not usable. */
export interface GoEnvReport {
  GOPROXY: string;
  GOSUMDB: string;
}

export function resolveRelaySettings(env: Readonly<Record<string, string | undefined>>, goEnv: GoEnvReport | undefined): RelaySettings {
  const set = (v: string | undefined): v is string => v !== undefined && v !== '';
  let goproxy: string | undefined;
  let proxySource: SettingSource = 'none';
  if (set(env.GOPROXY)) [goproxy, proxySource] = [env.GOPROXY, 'env'];
  else if (set(goEnv?.GOPROXY)) [goproxy, proxySource] = [goEnv.GOPROXY, 'go env'];
  let gosumdb = GO_ENV_DEFAULTS.GOSUMDB;
  let sumdbSource: SettingSource = 'default';
  if (set(env.GOSUMDB)) [gosumdb, sumdbSource] = [env.GOSUMDB, 'env'];
  else if (set(goEnv?.GOSUMDB)) [gosumdb, sumdbSource] = [goEnv.GOSUMDB, 'go env'];
  return { goproxy, gosumdb, source: { goproxy: proxySource, gosumdb: sumdbSource } };
}

/**
 * Runs `go env -json GOPROXY GOSUMDB` with a short deadline. Outside any module
 * (cwd is the temp directory) and with GOTOOLCHAIN=local, so it never starts a
 * toolchain download. Resolves undefined when go is missing, fails or is slow.
 */
export function readGoEnv(timeoutMs = 5000, goCommand = 'go'): Promise<GoEnvReport | undefined> {
  return new Promise((resolve) => {
    execFile(
      goCommand,
      ['env', '-json', 'GOPROXY', 'GOSUMDB'],
      { cwd: tmpdir(), timeout: timeoutMs, env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '' }, maxBuffer: 1 << 16 },
      (err, stdout) => {
        if (err !== null) return resolve(undefined);
        try {
          const v = JSON.parse(stdout) as Record<string, unknown>;
          resolve({ GOPROXY: typeof v.GOPROXY === 'string' ? v.GOPROXY : '', GOSUMDB: typeof v.GOSUMDB === 'string' ? v.GOSUMDB : '' });
        } catch {
          resolve(undefined);
        }
      },
    );
  });
}
