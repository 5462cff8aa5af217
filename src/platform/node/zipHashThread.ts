/**
 * A worker thread of the CLI that hashes module zips (nodeZipHasher.ts); built
 * as its own entry, ZIP_HASH_THREAD_ENTRY, beside the CLI's bundle.
 */
import { parentPort } from 'node:worker_threads';
import { serveZipHashes } from '../../engine/workerZipHasher.ts';
import type { Port, ZipHashReply, ZipHashRequest } from '../../engine/workerZipHasher.ts';
import { openNodeZipWire } from './nodeZipHasher.ts';
import type { NodeZipWire } from './nodeZipHasher.ts';

if (parentPort === null) throw new Error('modcarry: the zip hashing thread runs only as a worker thread');
serveZipHashes(parentPort as unknown as Port<ZipHashRequest<NodeZipWire>, ZipHashReply>, openNodeZipWire);
