/** Builds a large body from many small strings without one giant rope or string. */
export class ChunkWriter {
  private readonly parts: Buffer[] = [];
  private pending = '';

  constructor(private readonly chunkSize = 1 << 17) {}

  write(s: string): void {
    this.pending += s;
    if (this.pending.length >= this.chunkSize) this.flush();
  }

  private flush(): void {
    if (this.pending === '') return;
    this.parts.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
  }

  finish(): Buffer {
    this.flush();
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}
