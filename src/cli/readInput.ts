/** Reading the files a CLI command is given, with one-line errors. */
import { readFile } from 'node:fs/promises';
import { CliError } from './cliError.ts';

/** The bytes of file, or a CliError naming it ("no such file" for ENOENT). */
export async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new CliError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { cause: err });
  }
}
