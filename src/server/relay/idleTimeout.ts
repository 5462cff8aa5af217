/**
 * A pass-through stream that fails when its source goes quiet: the relay's
 * body timeout. An upstream that stalls mid-body must end in an aborted
 * response the browser can retry, not in a connection held open forever.
 * Time spent waiting for the browser to read (backpressure) does not count:
 * when the clock runs out while bytes are still buffered here, it starts again.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';

export class IdleTimeout extends Transform {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {
    super();
    this.arm();
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.readableLength > 0 || this.writableLength > 0) this.arm();
      else this.destroy(new Error(`upstream sent nothing for ${this.ms} ms`));
    }, this.ms);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.arm();
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    clearTimeout(this.timer);
    done();
  }

  override _destroy(err: Error | null, done: (error: Error | null) => void): void {
    clearTimeout(this.timer);
    done(err);
  }
}
