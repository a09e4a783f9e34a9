const NON_ASCII = /[\u0080-\uffff]/;

export function isAscii(s: string): boolean {
  return !NON_ASCII.test(s);
}

/**
 * Writes a large body straight into one Buffer: lines are concatenated into chunks of
 * ~64 KiB, each chunk written once (latin1 when all of it is ASCII, which is a plain
 * copy; UTF-8 otherwise). No array of chunks, no final concat copy.
 */
export class TextWriter {
  private buf: Buffer;
  private off = 0;
  private pending = '';
  private pendingAscii = true;

  constructor(capacity: number) {
    // Never from the shared Buffer pool: the body may be handed to another thread.
    this.buf = Buffer.allocUnsafeSlow(Math.max(1024, capacity));
  }

  /** `ascii`: the caller knows `s` is ASCII; otherwise the chunk is checked once when written. */
  write(s: string, ascii: boolean): void {
    this.pending += s;
    if (!ascii) this.pendingAscii = false;
    if (this.pending.length >= 65536) this.flush();
  }

  private flush(): void {
    const p = this.pending;
    if (p === '') return;
    const ascii = this.pendingAscii || isAscii(p);
    const max = ascii ? p.length : p.length * 3;
    if (this.off + max > this.buf.length) {
      const next = Buffer.allocUnsafe(
        Math.max(this.buf.length * 2, this.off + max),
      );
      this.buf.copy(next, 0, 0, this.off);
      this.buf = next;
    }
    this.off += this.buf.write(
      p,
      this.off,
      this.pendingAscii ? 'latin1' : 'utf8',
    );
    this.pending = '';
    this.pendingAscii = true;
  }

  /**
   * The written bytes, at offset 0 of a buffer of its own (not pooled); copied to an
   * exact-size one when more than 10% of the room is left over.
   */
  finish(): Buffer {
    this.flush();
    if (this.off >= this.buf.length * 0.9)
      return this.buf.subarray(0, this.off);
    const exact = Buffer.allocUnsafeSlow(this.off);
    this.buf.copy(exact, 0, 0, this.off);
    return exact;
  }
}
