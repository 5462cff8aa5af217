/**
 * The modcarry CLI entry: dispatches subcommands. Every command returns its
 * exit code; a failure is one line on stderr and exit code 1, a usage error 2.
 */
import { setMaxListeners } from 'node:events';
import { downloadCommand } from './downloadCommand.ts';
import { hashCommand } from './hashCommand.ts';
import { planCommand } from './planCommand.ts';
import { sumcheckCommand } from './sumcheckCommand.ts';
import { verifyCommand } from './verifyCommand.ts';
import { CliError, UsageError } from './cliError.ts';

const USAGE = `usage: modcarry <command> [arguments]

commands:
  hash zip FILE    print the h1: hash of a module zip, as go.sum records it
  hash mod FILE    print the h1: hash of a go.mod file, as go.sum's /go.mod lines record it
  plan [--gomod F] [--gosum F] [--goproxy LIST] [--gosumdb V] [--toolchain GOOS/GOARCH] [--json] [module@query ...]
                   list every module version and file the go command will need offline, and the
                   go.sum differences; GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE, GONOPROXY come
                   from the environment, flags override them
  download [--gomod F] [--gosum F] [--goproxy LIST] [--gosumdb V] [--state DIR] [--out FILE]
           [--compression none|0-9] [--have MANIFEST]... [--allow-failures] [--hash-threads N]
           [module@query ...]
                   download and verify everything the plan needs, resuming where a previous run
                   stopped; with --out, write the carry bundle once all is verified (or, with
                   --allow-failures, anyway: failed modules are marked unverified in its manifest).
                   FILE.tar is a plain tar, any other name gzip level 1 unless --compression says;
                   each --have is a manifest from the offline side: export only what it lacks;
                   --hash-threads N also hashes zips on N worker threads (faster, more memory; default 0)
  export --out FILE [the same flags as download]
                   download what is still missing (nothing, after a download), then write the bundle
  sumcheck [--gomod F] [--goproxy LIST] [--gosumdb V] [--state DIR] [--offline] [--json] GO.SUM
                   check every go.sum line against the checksum database (or, with --offline,
                   the proofs stored before) and the downloaded files; exit 1 on any mismatch
  verify FILE      re-check a carry bundle (.tar or .tar.gz) offline: every hash, the manifest,
                   and the checksum-database proofs it carries
`;

export async function main(argv: readonly string[]): Promise<number> {
  // A job's AbortSignal is watched by every module waiting out a retry delay or
  // a network outage (hundreds at once in a large plan): that is by design, not
  // a leak. (Modules waiting for a slot share one listener: Semaphore.)
  setMaxListeners(0);
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'hash':
        return await hashCommand(rest, process.stdout);
      case 'plan':
        return await planCommand(rest, process.stdout);
      case 'download':
        return await downloadCommand(rest, process.stderr);
      case 'export':
        return await downloadCommand(rest, process.stderr, process.env, 'export');
      case 'sumcheck':
        return await sumcheckCommand(rest, process.stdout);
      case 'verify':
        return await verifyCommand(rest, process.stdout);
      case undefined:
      case 'help':
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`modcarry: ${err.message}\n${USAGE}`);
      return 2;
    }
    const message = err instanceof CliError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`modcarry: ${message.replaceAll('\n', ' ')}\n`);
    return 1;
  }
}
