/**
 * The Chromium side of the hashing benchmark: window.benchHash(urls) fetches
 * each zip into a Blob (untimed), then times h1: of all of them by our core
 * (openZip over a Blob source, hashZip), as the worker verifies stored chunks.
 */
import { hashZip } from '../../src/core/dirhash/hash.ts';
import { openZip } from '../../src/core/zip/reader.ts';
import { blobSource } from '../../src/core/zip/source.ts';

interface HashRun {
  ms: number;
  bytes: number;
  hashes: string[];
}

async function benchHash(urls: readonly string[]): Promise<HashRun> {
  const blobs: Blob[] = [];
  for (const url of urls) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    blobs.push(await res.blob());
  }
  const start = performance.now();
  const hashes: string[] = [];
  for (const b of blobs) hashes.push(await hashZip(await openZip(blobSource(b))));
  return { ms: performance.now() - start, bytes: blobs.reduce((n, b) => n + b.size, 0), hashes };
}

(globalThis as unknown as { benchHash: typeof benchHash }).benchHash = benchHash;
document.title = 'ready';
