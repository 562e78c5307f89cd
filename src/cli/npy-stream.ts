/**
 * @file A .npy file written row block by row block: the header (core/npy.ts's, so the file equals
 * `np.save` of the whole array byte for byte) goes first, with the row count known in advance and
 * the row length taken from the first block.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { DiffProbeError } from '../core/errors';
import { npyHeader } from '../core/npy';

export class NpyWriter {
  private handle: FileHandle | null = null;
  private dim = -1;
  private written = 0;

  constructor(
    readonly path: string,
    readonly rows: number,
  ) {}

  /**
   * Appends `data` ([n, dim] float32, row-major). `rowShape` (product dim) gives each row a shape
   * in the header, e.g. [C, H, W] for images.
   */
  async append(data: Float32Array, dim: number, rowShape: readonly number[] = [dim]): Promise<void> {
    if (!this.handle) {
      this.dim = dim;
      this.handle = await open(this.path, 'w');
      await this.handle.write(npyHeader('<f4', [this.rows, ...rowShape]));
    } else if (dim !== this.dim)
      throw new DiffProbeError('internal', `${this.path}: rows of ${dim} values after rows of ${this.dim}`);
    await this.handle.write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.written += data.length / dim;
  }

  async close(): Promise<void> {
    if (!this.handle) throw new DiffProbeError('internal', `${this.path}: nothing was written`);
    await this.handle.close();
    this.handle = null;
    if (this.written !== this.rows)
      throw new DiffProbeError(
        'internal',
        `${this.path}: ${this.written} rows written, ${this.rows} announced`,
      );
  }

  /** Closes without the row check (after a failure). */
  async abandon(): Promise<void> {
    await this.handle?.close().catch(() => {});
    this.handle = null;
  }
}
