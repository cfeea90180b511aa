/**
 * Body buffers reused from one batch to the next. Pure (no I/O).
 *
 * A fresh 1 MiB buffer costs its pages' first-touch faults, about 256 of them, in the kernel: in the
 * bench a 10,000-event batch paid about 300 faults and a third of a microsecond of system time per
 * event for its bulk bodies. A warm Lambda (or the local poller) indexes batch after batch, so the
 * buffers of a pipeline that has finished are kept for the next one.
 *
 * Only buffers of the pool's size are kept (a body grown past it for a large pair is rare), at most
 * `max` of them, so the pool never holds more than `size × max` bytes. A buffer given back must no
 * longer be read or written by anyone: the caller gives back only after every request that carried
 * it has been answered.
 */
export class BufferPool {
  private readonly free: Buffer<ArrayBuffer>[] = [];

  constructor(
    readonly size: number,
    private readonly max: number,
  ) {}

  /** A buffer of `size` bytes (uninitialised) with its own memory (never a slice of Node's shared pool): a kept one if there is one, else a new one. */
  take(): Buffer<ArrayBuffer> {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Keeps these buffers for later `take`s (those of another size, and those over `max`, are left to the GC). */
  give(bufs: Iterable<Buffer<ArrayBuffer>>): void {
    for (const b of bufs) {
      if (this.free.length >= this.max) return;
      if (b.length === this.size && b.byteOffset === 0 && b.buffer.byteLength === this.size) this.free.push(b);
    }
  }

  /** Buffers kept now. */
  get kept(): number {
    return this.free.length;
  }
}
