/**
 * Retry timing: exponential backoff with full jitter (a uniformly random delay
 * below a ceiling that doubles per attempt, so many clients retrying after the
 * same outage spread out), and the server's Retry-After, which is honoured
 * as a lower bound.
 */
import type { Random } from './ports.ts';
import type { RetrySettings } from './settings.ts';

/** The jittered delay before retry number attempt (0-based): random · min(max, base · 2^attempt). */
export function backoffDelay(attempt: number, retry: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>, random: Random): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(attempt, 52));
  return Math.floor(random.next() * ceiling);
}

/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds from now: delta-seconds or
 * an HTTP-date. undefined for an absent or unreadable value; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** The delay before the next attempt: the jittered backoff, but never before Retry-After, capped at a day. */
export function retryDelay(attempt: number, retry: RetrySettings, random: Random, retryAfterMs?: number): number {
  const jitter = backoffDelay(attempt, retry, random);
  return Math.min(86_400_000, Math.max(jitter, retryAfterMs ?? 0));
}
