/**
 * A dedicated worker, started by the engine's worker, that hashes module zips
 * (src/platform/browser/workerZipHasher.ts).
 */
import { serveZipHashes } from '../platform/browser/workerZipHasher.ts';
import type { Port, ZipHashReply, ZipHashRequest } from '../platform/browser/workerZipHasher.ts';

declare const self: DedicatedWorkerGlobalScope;

serveZipHashes(self as unknown as Port<ZipHashRequest, ZipHashReply>);
