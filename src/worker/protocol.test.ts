/**
 * The protocol end to end, without a real Worker: a client and a dispatcher wired back to back
 * through a fake port, with handlers that report progress, stream partials, fail and get cancelled.
 */
import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../core/errors';
import { type MessagePortLike, WorkerClient } from './client';
import type { JobContext } from './context';
import { createDispatcher, type Handlers } from './dispatch';
import type { FeatureChunk } from './jobs';
import type { WorkerRequest, WorkerResponse } from './protocol';

function wire(handlers: Partial<Handlers>) {
  const toClient: ((e: MessageEvent<WorkerResponse>) => void)[] = [];
  let dispatch: (m: WorkerRequest) => void = () => {};
  const port: MessagePortLike = {
    postMessage: (message) => setTimeout(() => dispatch(structuredClone(message)), 0),
    addEventListener: (type: string, listener: (e: never) => void) => {
      if (type === 'message') toClient.push(listener as (e: MessageEvent<WorkerResponse>) => void);
    },
  };
  dispatch = createDispatcher(handlers as Handlers, (message) =>
    setTimeout(() => {
      for (const l of toClient) l({ data: structuredClone(message) } as MessageEvent<WorkerResponse>);
    }, 0),
  );
  return new WorkerClient(port);
}

/** A fake extraction: `total` images in batches of 2, one partial per batch. */
function fakeExtract(total: number, onBatch?: (done: number) => void) {
  return async (_params: unknown, ctx: JobContext) => {
    for (let start = 0; start < total; start += 2) {
      await ctx.checkpoint();
      const chunk: FeatureChunk = {
        rows: [start, start + 1],
        features: { mid: new Float32Array([start, start + 1]) },
        dims: { mid: 1 },
      };
      ctx.partial(chunk);
      ctx.progress(start + 2, total);
      onBatch?.(start + 2);
      await new Promise((r) => setTimeout(r, 5));
    }
    return { count: total, dims: { mid: 1 } };
  };
}

const params = {
  images: { data: new Float32Array(0), count: 0 },
  t: 0,
  seed: 0,
  blocks: [],
  pooling: { kind: 'avg' as const },
  batchSize: 2,
};

describe('worker protocol', () => {
  it('delivers progress and partials, then the result', async () => {
    const client = wire({ extractFeatures: fakeExtract(6) as unknown as Handlers['extractFeatures'] });
    const progress: number[] = [];
    const partials: number[] = [];
    const result = await client.run('extractFeatures', params, {
      onProgress: (p) => progress.push(p.done),
      onPartial: (c) => partials.push(c.rows[0]),
    });
    expect(result).toEqual({ count: 6, dims: { mid: 1 } });
    expect(partials).toEqual([0, 2, 4]);
    expect(progress.at(-1)).toBe(6);
    expect(client.inFlight).toBe(0);
  });

  it('cancels at the next checkpoint and keeps the partials already sent', async () => {
    const controller = new AbortController();
    const client = wire({
      extractFeatures: fakeExtract(
        100,
        (done) => done === 4 && controller.abort(),
      ) as unknown as Handlers['extractFeatures'],
    });
    const partials: number[] = [];
    const run = client.run('extractFeatures', params, {
      signal: controller.signal,
      onPartial: (c) => partials.push(c.rows[0]),
    });
    await expect(run).rejects.toMatchObject({ code: 'cancelled' });
    expect(partials.slice(0, 2)).toEqual([0, 2]);
    expect(partials.length).toBeLessThan(50);
  });

  it('turns thrown errors into typed rejections and keeps serving', async () => {
    const client = wire({
      environment: async () => {
        throw new DiffProbeError('backend-unavailable', 'no adapter');
      },
      forward: async () => {
        throw new Error('GPUDevice was lost: reason destroyed');
      },
      loadModel: async () => {
        throw new Error('Failed to allocate 2GB buffer: out of memory');
      },
    });
    await expect(client.run('environment', {})).rejects.toMatchObject({
      code: 'backend-unavailable',
      message: 'no adapter',
    });
    await expect(
      client.run('forward', { x0: new Float32Array(1), t: 0, seed: 0, blocks: [] }),
    ).rejects.toMatchObject({
      code: 'device-lost',
    });
    await expect(
      client.run('loadModel', { source: { kind: 'url', manifestUrl: 'x' }, backend: 'auto' }),
    ).rejects.toMatchObject({ code: 'out-of-memory' });
  });

  it('runs jobs one at a time, in order', async () => {
    const order: string[] = [];
    const slow = (name: string, ms: number) => async () => {
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`end ${name}`);
      return {} as never;
    };
    const client = wire({
      environment: slow('a', 30),
      forward: slow('b', 1),
    } as unknown as Partial<Handlers>);
    await Promise.all([
      client.run('environment', {}),
      client.run('forward', { x0: new Float32Array(1), t: 0, seed: 0, blocks: [] }),
    ]);
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('rejects a job cancelled before it started without running it', async () => {
    const controller = new AbortController();
    controller.abort();
    const client = wire({});
    await expect(client.run('environment', {}, { signal: controller.signal })).rejects.toBeInstanceOf(
      DiffProbeError,
    );
  });

  it('runs jobs one at a time, but answers the cache size at once while a load holds the queue', async () => {
    const order: string[] = [];
    let release = () => {};
    const client = wire({
      loadModel: (async () => {
        order.push('load started');
        await new Promise<void>((r) => {
          release = r;
        });
        order.push('load done');
        return {};
      }) as unknown as Handlers['loadModel'],
      forward: (async () => {
        order.push('forward');
        return {};
      }) as unknown as Handlers['forward'],
      cacheStats: (async () => {
        order.push('cache stats');
        return null;
      }) as unknown as Handlers['cacheStats'],
    });
    const load = client.run('loadModel', {} as never);
    const forward = client.run('forward', {} as never);
    await client.run('cacheStats', {});
    expect(order).toEqual(['load started', 'cache stats']);
    release();
    await Promise.all([load, forward]);
    expect(order).toEqual(['load started', 'cache stats', 'load done', 'forward']);
  });
});
