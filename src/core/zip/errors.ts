/**
 * Errors of the zip reader. Messages are Go archive/zip's (and compress/flate's
 * and io's) texts where Go has one, because the go command prints them and
 * users compare our output with its output.
 */

/** What went wrong, for callers that branch on it rather than on the text. */
export type ZipFormatCode =
  | 'format' // zip.ErrFormat: structure, signatures, sizes
  | 'algorithm' // zip.ErrAlgorithm: a method other than 0 (stored) and 8 (deflate)
  | 'checksum' // zip.ErrChecksum: CRC-32 mismatch
  | 'unexpected-eof' // io.ErrUnexpectedEOF: data or data descriptor cut short
  | 'corrupt-deflate' // compress/flate.CorruptInputError
  | 'comment' // "zip: invalid comment length"
  | 'too-large'; // the caller's maxSize for one entry

const TEXTS: Readonly<Record<Exclude<ZipFormatCode, 'too-large'>, string>> = {
  format: 'zip: not a valid zip file',
  algorithm: 'zip: unsupported compression algorithm',
  checksum: 'zip: checksum error',
  'unexpected-eof': 'unexpected EOF',
  'corrupt-deflate': 'flate: corrupt input',
  comment: 'zip: invalid comment length',
};

/** A zip that cannot be read, or an entry whose data does not match its header. */
export class ZipFormatError extends Error {
  readonly code: ZipFormatCode;

  constructor(code: ZipFormatCode, message?: string) {
    super(message ?? (code === 'too-large' ? 'zip: entry too large' : TEXTS[code]));
    this.name = 'ZipFormatError';
    this.code = code;
  }
}
