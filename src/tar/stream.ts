/** Reading a tar archive as it streams past (an image layer being downloaded), entry by entry. */
import { BLOCK, decodeHeader, isExtension, isZeroBlock, paddedSize, TarExtensions, type TarHeader } from './header.js';

/** Pulls exact byte counts out of a stream of chunks. */
class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;
  constructor(it: AsyncIterator<Buffer>) {
    this.it = it;
  }
  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const next = await this.it.next();
      if (next.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, next.value]) : next.value;
    }
    return this.buf.length >= n;
  }
  async read(n: number): Promise<Buffer | undefined> {
    if (!(await this.fill(n))) return undefined;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /**
   * Hands up to `n` bytes to `sink` as they arrive, without holding them, until `sink` returns
   * true. Returns the bytes passed, or undefined when the stream ends first.
   */
  async pass(n: number, sink?: (chunk: Buffer) => boolean | void): Promise<number | undefined> {
    let passed = 0;
    while (passed < n) {
      if (this.buf.length === 0) {
        const next = this.done ? undefined : await this.it.next();
        if (!next || next.done) {
          this.done = true;
          return undefined;
        }
        this.buf = next.value;
      }
      const take = Math.min(n - passed, this.buf.length);
      const stop = sink?.(this.buf.subarray(0, take));
      this.buf = this.buf.subarray(take);
      passed += take;
      if (stop === true) break;
    }
    return passed;
  }
}

/**
 * A tar stream entry by entry. Checksums are not checked (a layer's digest vouches for it); a
 * truncated archive ends like a whole one. Reads no further than asked.
 */
export class TarStreamReader {
  private readonly chunks: ChunkReader;
  private readonly extensions = new TarExtensions();
  /** Bytes of the current entry not read yet: data, then padding. */
  private dataLeft = 0;
  private paddingLeft = 0;

  constructor(stream: AsyncIterable<Buffer>) {
    this.chunks = new ChunkReader(stream[Symbol.asyncIterator]());
  }

  /** The next entry (what the current one left unread is skipped), or undefined at the end. */
  async next(): Promise<TarHeader | undefined> {
    if (this.dataLeft + this.paddingLeft > 0 && (await this.chunks.pass(this.dataLeft + this.paddingLeft)) === undefined) return undefined;
    this.dataLeft = this.paddingLeft = 0;
    for (;;) {
      const block = await this.chunks.read(BLOCK);
      if (!block || isZeroBlock(block)) return undefined;
      const header = decodeHeader(block);
      const size = this.extensions.dataSize(header);
      if (!isExtension(header.type)) {
        this.dataLeft = size;
        this.paddingLeft = paddedSize(size) - size;
        return this.extensions.apply(header);
      }
      const body = await this.chunks.read(paddedSize(size));
      if (!body) return undefined;
      this.extensions.add(header.type, body.subarray(0, size));
    }
  }

  /**
   * Hands the current entry's data to `sink` as it arrives, until `sink` returns true or the
   * data ends. False when the stream ends first.
   */
  async data(sink: (chunk: Buffer) => boolean | void): Promise<boolean> {
    const passed = await this.chunks.pass(this.dataLeft, sink);
    if (passed === undefined) return false;
    this.dataLeft -= passed;
    return true;
  }
}
