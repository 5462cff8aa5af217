/**
 * A dedicated worker, started by the engine's worker, that hashes module zips
 * (src/engine/workerZipHasher.ts).
 */
import { openZipData, serveZipHashes } from '../engine/workerZipHasher.ts';
import type { Port, ZipHashReply, ZipHashRequest } from '../engine/workerZipHasher.ts';

declare const self: DedicatedWorkerGlobalScope;

serveZipHashes(self as unknown as Port<ZipHashRequest, ZipHashReply>, openZipData);
