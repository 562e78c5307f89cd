/**
 * @file Main-thread side of the image workers: a few dedicated workers (one per core, at most
 * four) that decode and convert uploaded files in parallel. Each file goes to the worker with the
 * fewest files in hand; its bytes are transferred, not copied.
 */
import { DiffProbeError } from '../../core/errors';
import type { UploadConversion, UploadConversionRequest } from '../../core/image/file';
import type { ImageReply, ImageRequest } from './messages';

interface Slot {
  worker: Worker;
  /** Ids of the files sent to this worker and not answered yet. */
  held: Set<number>;
}

export class ImageWorkers {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (r: UploadConversion) => void; reject: (e: unknown) => void }
  >();
  private nextId = 1;

  constructor(private readonly size: number) {}

  private start(): Slot {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'images' });
    const slot: Slot = { worker, held: new Set() };
    worker.addEventListener('message', (event: MessageEvent<ImageReply>) => {
      const reply = event.data;
      slot.held.delete(reply.id);
      const p = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!p) return;
      if ('result' in reply) p.resolve(reply.result);
      else p.reject(new DiffProbeError(reply.error.code, reply.error.message, reply.error.detail));
    });
    worker.addEventListener('error', (event) => {
      // A crashed worker answers nothing: fail what it held, and start a fresh one next time.
      this.slots.splice(this.slots.indexOf(slot), 1);
      for (const id of slot.held) {
        this.pending
          .get(id)
          ?.reject(
            new DiffProbeError('internal', `image worker crashed: ${event.message || 'unknown error'}`),
          );
        this.pending.delete(id);
      }
    });
    this.slots.push(slot);
    return slot;
  }

  /** Converts one file in a worker; `request.bytes` is transferred (empty here afterwards). */
  convert(request: UploadConversionRequest): Promise<UploadConversion> {
    const idle = this.slots.find((s) => s.held.size === 0);
    const slot =
      idle ??
      (this.slots.length < this.size
        ? this.start()
        : this.slots.reduce((a, b) => (b.held.size < a.held.size ? b : a)));
    const id = this.nextId++;
    slot.held.add(id);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: ImageRequest = { id, request };
      slot.worker.postMessage(message, [request.bytes.buffer]);
    });
  }
}

let pool: ImageWorkers | null = null;

/** The app's image workers, started on first use. */
export function imageWorkers(): ImageWorkers {
  pool ??= new ImageWorkers(Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)));
  return pool;
}
