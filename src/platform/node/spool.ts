/**
 * A Spool (src/engine/bundle/readBundle.ts) on disk for the CLI: each large
 * bundle entry streamed out of a .tar.gz goes to its own file in a private
 * temp directory and is read back at random through fileSource, so a 500 MiB
 * module zip never sits in memory. Files are deleted on dispose, the
 * directory on close.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RandomAccessSource } from '../../core/zip/source.ts';
import type { Spool, SpoolFile } from '../../engine/bundle/readBundle.ts';
import { fileSource } from './fileSource.ts';

export interface FileSpool extends Spool {
  /** Removes the temp directory and everything left in it. */
  close(): Promise<void>;
}

/** A spool in a fresh directory under dir (default: the OS temp dir). */
export async function fileSpool(dir: string = tmpdir()): Promise<FileSpool> {
  const root = await mkdtemp(join(dir, 'modcarry-spool-'));
  let n = 0;
  return {
    async create(): Promise<SpoolFile> {
      const path = join(root, `entry-${n++}`);
      const handle = await open(path, 'wx', 0o600);
      let closed = false;
      let source: (RandomAccessSource & { close(): Promise<void> }) | undefined;
      const closeWriter = async (): Promise<void> => {
        if (!closed) {
          closed = true;
          await handle.close();
        }
      };
      return {
        async write(chunk: Uint8Array): Promise<void> {
          let done = 0;
          while (done < chunk.length) {
            const { bytesWritten } = await handle.write(chunk, done, chunk.length - done);
            done += bytesWritten;
          }
        },
        async finish(): Promise<RandomAccessSource> {
          await closeWriter();
          source = await fileSource(path);
          return source;
        },
        async dispose(): Promise<void> {
          await closeWriter();
          await source?.close();
          source = undefined;
          await rm(path, { force: true });
        },
      };
    },
    close: () => rm(root, { recursive: true, force: true }),
  };
}
