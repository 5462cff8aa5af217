/**
 * An error as it crosses a thread boundary (postMessage): structured clone
 * keeps an Error's message but not its class, so name and message go over
 * as data and the receiving side rebuilds an Error with both.
 */
export interface WireError {
  name: string;
  message: string;
}

/** An error as it crosses the boundary (name and message survive). */
export function toWireError(err: unknown): WireError {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/** The Error the receiving side rethrows for a WireError. */
export function fromWireError(e: WireError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
