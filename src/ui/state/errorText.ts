/**
 * Errors a person can act on: the engine's and go's messages (kept verbatim
 * as the detail) sorted into what went wrong and what to do about it. The
 * message text is never interpreted as markup: it is rendered as text.
 */

export type ErrorKind = 'cross-origin' | 'unreachable' | 'forbidden' | 'not-found' | 'gone' | 'syntax' | 'quota' | 'other-tab' | 'security' | 'other';

export interface ExplainedError {
  kind: ErrorKind;
  /** A short headline. */
  title: string;
  /** What to do next. */
  hint: string;
  /** The original message, verbatim. */
  detail: string;
  /** The input file and line a syntax error points at. */
  location?: { file: string; line: number };
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : String(err);
}

/** Sorts err into an ExplainedError; see the file comment. */
export function explainError(err: unknown): ExplainedError {
  const detail = messageOf(err);
  const name = err instanceof Error ? err.name : '';
  const at = /(?:^|\s)(go\.mod|go\.sum|[\w./-]+\.(?:mod|sum)):(\d+)(?::\d+)?:/m.exec(detail);
  if (at !== null) {
    return {
      kind: 'syntax',
      title: `${at[1]} has an error on line ${at[2]}`,
      hint: `Fix line ${at[2]} of ${at[1]} and plan again.`,
      detail,
      location: { file: at[1]!, line: Number(at[2]) },
    };
  }
  if (/refused a cross-origin request/.test(detail)) {
    return {
      kind: 'cross-origin',
      title: 'The browser refused to contact that proxy',
      hint: 'Browsers block cross-site requests to module proxies that send no CORS headers (proxy.golang.org among them). Use the relay of the modcarry server: set GOPROXY to its /goproxy/ address (the message names it).',
      detail,
    };
  }
  if (name === 'StorageFullError' || /storage is full|QuotaExceeded|quota/i.test(detail)) {
    return { kind: 'quota', title: 'This browser has no room left for the download', hint: 'Free space under "Storage" (delete old jobs), or allow this site more storage, then resume.', detail };
  }
  if (name === 'NotLeaderError' || /another tab runs the downloads/.test(detail)) {
    return { kind: 'other-tab', title: 'Another tab runs the downloads', hint: 'Use that tab, or close it: this one then takes over.', detail };
  }
  if (/SECURITY ERROR|verifying module|checksum mismatch/.test(detail)) {
    return { kind: 'security', title: 'A checksum did not match', hint: 'Do not use these files. The hashes differ from go.sum or the checksum database: the proxy may serve altered code.', detail };
  }
  if (/\b403\b|Forbidden/.test(detail)) {
    return { kind: 'forbidden', title: 'The proxy refused the request (403 Forbidden)', hint: 'The module may be private or blocked by the proxy. Check GOPROXY, or list private paths in GOPRIVATE/GONOSUMDB.', detail };
  }
  if (/\b410\b|Gone/.test(detail)) {
    return { kind: 'gone', title: 'The proxy says this version is gone (410)', hint: 'The version was removed or never existed upstream. Check the version, or try another proxy in the GOPROXY list.', detail };
  }
  if (/\b404\b|Not Found|unknown revision|no matching versions|not found/.test(detail)) {
    return { kind: 'not-found', title: 'The proxy does not have this module or version (404)', hint: 'Check the module path and version, or whether GOPROXY names the right proxy.', detail };
  }
  if (/network error|Failed to fetch|NetworkError|ECONNREFUSED|dial tcp|timeout|timed out/i.test(detail)) {
    return { kind: 'unreachable', title: 'The proxy could not be reached', hint: 'Check the network connection and the GOPROXY address; the download resumes by itself when the network is back.', detail };
  }
  return { kind: 'other', title: 'Something went wrong', hint: 'The message below is the exact error.', detail };
}
