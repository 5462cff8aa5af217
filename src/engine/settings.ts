/**
 * Engine settings: chunk size, concurrency, retry limits, timers. They are
 * persisted with each job (a job keeps running with the settings it was
 * created with), so the shape is versioned like every other record.
 */

/** Retry limits of one module version. */
export interface RetrySettings {
  /** First backoff ceiling; the ceiling doubles per attempt (full jitter below it). */
  readonly baseDelayMs: number;
  /** Ceiling of any one backoff. */
  readonly maxDelayMs: number;
  /** Failed attempts (network errors, 5xx, 429) before a module is failed. Progress resets the count. */
  readonly maxAttempts: number;
}

export interface EngineSettings {
  readonly formatVersion: 1;
  /** Bytes per Range chunk of a zip. */
  readonly chunkSize: number;
  /** Zips downloaded (and verified) at the same time. */
  readonly maxConcurrentZips: number;
  /** .info/.mod (and checksum database) requests at the same time. */
  readonly maxConcurrentMetadata: number;
  readonly retry: RetrySettings;
  /** A response body that delivers nothing for this long is abandoned (and retried). */
  readonly stallTimeoutMs: number;
  /** While offline, the network is probed this often (besides wake-ups). */
  readonly probeIntervalMs: number;
  /** CRC/chunk-hash repair rounds per verification before the module fails. */
  readonly maxRepairRounds: number;
}

/** The recommended chunk range is 1-4 MiB; smaller chunks are allowed for slow links and tests. */
export const MIN_CHUNK_SIZE = 16 << 10;
export const MAX_CHUNK_SIZE = 4 << 20;

export const DEFAULT_SETTINGS: EngineSettings = {
  formatVersion: 1,
  chunkSize: 2 << 20,
  maxConcurrentZips: 4,
  maxConcurrentMetadata: 8,
  retry: { baseDelayMs: 1000, maxDelayMs: 60_000, maxAttempts: 10 },
  stallTimeoutMs: 60_000,
  probeIntervalMs: 30_000,
  maxRepairRounds: 3,
};

/** Partial settings as a caller gives them. */
export type SettingsInput = Partial<Omit<EngineSettings, 'formatVersion' | 'retry'>> & { retry?: Partial<RetrySettings> };

function intIn(name: string, v: number, lo: number, hi: number): number {
  if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new RangeError(`settings: ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  return v;
}

/** Defaults filled in and every value range-checked (RangeError naming the setting). */
export function resolveSettings(input: SettingsInput = {}): EngineSettings {
  const d = DEFAULT_SETTINGS;
  const retry = { ...d.retry, ...input.retry };
  const s: EngineSettings = {
    formatVersion: 1,
    chunkSize: intIn('chunkSize', input.chunkSize ?? d.chunkSize, MIN_CHUNK_SIZE, MAX_CHUNK_SIZE),
    maxConcurrentZips: intIn('maxConcurrentZips', input.maxConcurrentZips ?? d.maxConcurrentZips, 1, 64),
    maxConcurrentMetadata: intIn('maxConcurrentMetadata', input.maxConcurrentMetadata ?? d.maxConcurrentMetadata, 1, 256),
    retry: {
      baseDelayMs: intIn('retry.baseDelayMs', retry.baseDelayMs, 0, 3_600_000),
      maxDelayMs: intIn('retry.maxDelayMs', retry.maxDelayMs, 0, 86_400_000),
      maxAttempts: intIn('retry.maxAttempts', retry.maxAttempts, 1, 1000),
    },
    stallTimeoutMs: intIn('stallTimeoutMs', input.stallTimeoutMs ?? d.stallTimeoutMs, 1, 3_600_000),
    probeIntervalMs: intIn('probeIntervalMs', input.probeIntervalMs ?? d.probeIntervalMs, 1, 3_600_000),
    maxRepairRounds: intIn('maxRepairRounds', input.maxRepairRounds ?? d.maxRepairRounds, 0, 100),
  };
  return s;
}
