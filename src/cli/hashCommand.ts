/**
 * `modcarry hash zip FILE` and `modcarry hash mod FILE`: the h1: hashes go.sum
 * records for a module zip and for a go.mod file.
 */
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { hashGoMod, hashZip } from '../core/dirhash/hash.ts';
import { openZip } from '../core/zip/reader.ts';
import { fileSource } from '../platform/node/fileSource.ts';
import { CliError, UsageError } from './cliError.ts';

export async function hashCommand(args: readonly string[], out: Pick<Writable, 'write'>): Promise<number> {
  const [kind, file, ...extra] = args;
  if ((kind !== 'zip' && kind !== 'mod') || file === undefined || extra.length > 0) {
    throw new UsageError('usage: modcarry hash zip|mod FILE');
  }
  if (kind === 'mod') {
    const data = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    });
    out.write(`${await hashGoMod(data)}\n`);
    return 0;
  }
  const source = await fileSource(file).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
  });
  try {
    const zip = await openZip(source);
    out.write(`${await hashZip(zip)}\n`);
    return 0;
  } catch (err) {
    throw new CliError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await source.close();
  }
}
