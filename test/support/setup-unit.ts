// Unit and integration tests run in Node with an in-memory IndexedDB.
import 'fake-indexeddb/auto';
import { setMaxListeners } from 'node:events';

// A job's AbortSignal is watched by every module waiting for a download slot;
// many at once is by design (the CLI sets the same), not a leak.
setMaxListeners(0);
