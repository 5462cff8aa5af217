/** A failure the CLI reports as one line and exit code 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** A malformed command line: reported with the usage text and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
