/**
 * The go command's "does not exist here, try the next proxy" class of errors
 * (errors.Is(err, fs.ErrNotExist)). Only HTTP 404 and 410, 'off', 'noproxy'
 * refusals and the like belong to it; every other failure stops a ','
 * separated GOPROXY walk.
 */

/** An error that is not-exist by construction (go's notExistError). */
export class NotExistError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotExistError';
  }
}

/** Implemented by errors that decide for themselves (HTTPError: 404/410). */
export interface NotExistClassified {
  readonly notExist: boolean;
}

/** Whether err, or any error it wraps (`err` or `cause`), is a not-exist error. */
export function isNotExist(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e !== null && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (e instanceof NotExistError) return true;
    const c = (e as Partial<NotExistClassified>).notExist;
    if (typeof c === 'boolean') return c;
    const inner = (e as { err?: unknown }).err;
    e = inner !== undefined ? inner : (e as { cause?: unknown }).cause;
  }
  return false;
}
