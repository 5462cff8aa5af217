/**
 * Command-line entry of the fixture proxy (for `npm run fixture-proxy`, which
 * the lead wires): `--root DIR [--port N] [--seed N]`. Serves until SIGINT or
 * SIGTERM and prints the proxy URL on stdout.
 */
import { startFixtureProxy } from './fixtureProxy.ts';
import type { FixtureProxy } from './fixtureProxy.ts';

export interface MainArgs {
  root: string;
  port: number;
  seed: number;
}

/** Parses the arguments; throws with a usage line on bad input. */
export function parseMainArgs(argv: readonly string[]): MainArgs {
  const usage = 'usage: fixture-proxy --root DIR [--port N] [--seed N]';
  const out: MainArgs = { root: '', port: 0, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`missing value for ${flag}\n${usage}`);
    switch (flag) {
      case '--root':
        out.root = value;
        break;
      case '--port':
      case '--seed': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${flag} ${JSON.stringify(value)}\n${usage}`);
        if (flag === '--port') out.port = n;
        else out.seed = n;
        break;
      }
      default:
        throw new Error(`unknown flag ${flag}\n${usage}`);
    }
  }
  if (out.root === '') throw new Error(`--root is required\n${usage}`);
  return out;
}

/** Starts the proxy from argv and keeps it running until a signal; returns the running proxy. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<FixtureProxy> {
  const args = parseMainArgs(argv);
  const proxy = await startFixtureProxy({ root: args.root, port: args.port, seed: args.seed });
  process.stdout.write(`fixture proxy serving ${args.root} at ${proxy.url}\n`);
  const stop = (): void => {
    void proxy.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return proxy;
}
