/**
 * The go command's resolution of the module-fetch environment (cmd/go
 * cfg.EnvOrAndChanged): a variable set to the empty string counts as unset;
 * GOPROXY and GOSUMDB then take the defaults that go1.21+ keeps in
 * $GOROOT/go.env; GONOPROXY and GONOSUMDB default to GOPRIVATE.
 */

/** The resolved settings, named as the go command names them. */
export interface GoEnv {
  GOPROXY: string;
  GOSUMDB: string;
  GOPRIVATE: string;
  GONOPROXY: string;
  GONOSUMDB: string;
}

/** The defaults $GOROOT/go.env supplies. Pass '' for both to model a toolchain without go.env. */
export interface GoEnvDefaults {
  GOPROXY: string;
  GOSUMDB: string;
}

/** The values of $GOROOT/go.env in go1.21 through go1.26. */
export const GO_ENV_DEFAULTS: GoEnvDefaults = Object.freeze({
  GOPROXY: 'https://proxy.golang.org,direct',
  GOSUMDB: 'sum.golang.org',
});

type Vars = Readonly<Record<string, string | undefined>>;

function pick(name: keyof GoEnv, overrides: Vars, env: Vars): string {
  const o = overrides[name];
  if (o !== undefined && o !== '') return o;
  const e = env[name];
  if (e !== undefined && e !== '') return e;
  return '';
}

/**
 * Resolves the settings from env (the process environment) and overrides
 * (explicit settings, e.g. CLI flags or `go env -w` values, which win over env).
 * Empty strings mean unset, as in the go command.
 */
export function resolveGoEnv(env: Vars, overrides: Vars = {}, defaults: GoEnvDefaults = GO_ENV_DEFAULTS): GoEnv {
  const goprivate = pick('GOPRIVATE', overrides, env);
  return {
    GOPROXY: pick('GOPROXY', overrides, env) || defaults.GOPROXY,
    GOSUMDB: pick('GOSUMDB', overrides, env) || defaults.GOSUMDB,
    GOPRIVATE: goprivate,
    GONOPROXY: pick('GONOPROXY', overrides, env) || goprivate,
    GONOSUMDB: pick('GONOSUMDB', overrides, env) || goprivate,
  };
}
