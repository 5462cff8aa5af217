/**
 * The modcarry CLI entry: dispatches subcommands. Every command returns its
 * exit code; errors are one line on stderr, exit code 1.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [cmd] = argv;
  process.stderr.write(`modcarry: unknown command ${JSON.stringify(cmd ?? '')}\n`);
  return 2;
}
