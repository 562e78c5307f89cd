// One extraction engine (#23 §3): the worker's extraction job (worker/handlers/extract.ts, as the
// browser runs it, here on onnxruntime-node) and the CLI's (cli/extract-run.ts, as `extract` and
// `features` run it) give the same rows — ids, order and float32 values bit for bit — on the same
// images, blocks, t, seed and pooling, by the same path (the blocks' sub-graph pooled in ONNX from
// MIN_IMAGES images up, the U-Net's maps pooled in JS below), and a second run is a cache hit on
// both, under the same key.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { numbersKey } from '../core/manifest/numbers-key';
import { withBlockOutputs } from '../core/onnx/block-outputs';
import { readModel } from '../core/onnx/reader';
import type { Pooling } from '../core/pooling';
import { imageHashes, imageKey } from '../pipeline/cache-key';
import { PIPELINE_VERSION } from '../pipeline/version';
import { inProcessHelper } from '../testing/in-process-helper';
import { setHelperHost } from '../worker/engine-helper/lifecycle';
import { CALL_LIMITS } from '../worker/engine-helper/time-limits';
import type { FeatureChunk } from '../worker/jobs';
import { type LoadedModel, setCurrentModel } from '../worker/model-state';
import { extractRows } from './extract-run';
import { recordPath } from './feature-cache';
import { bundledSet, type ImageSet } from './images';
import { loadNodeModel, type NodeModel } from './load';

vi.mock('../engine/onnx-web', () => ({ webgpuDevice: async () => undefined }));
vi.mock('../worker/post', () => ({ post: () => {} }));
vi.mock('../worker/handlers/open-backend', () => ({ openOnBestBackend: async () => ({}) }));
(globalThis as { indexedDB?: IDBFactory }).indexedDB = new IDBFactory();
// The worker's second lane, the engine helper, in this process on onnxruntime-node.
setHelperHost({
  threads: () => 1,
  spawn: () => inProcessHelper().worker,
  limits: CALL_LIMITS,
  idleMs: 60_000,
});
const { extractFeatures } = await import('../worker/handlers/extract');
const { createJobContext } = await import('../worker/context');

const MANIFEST = 'public/models/fashion-mnist-ddpm/manifest.json';
const BLOCKS = ['down1_1', 'mid', 'up1_0'];
const T = 100;
const SEED = 3;

let node: NodeModel;
let model: LoadedModel;
let images: ImageSet;
let cacheDir: string;
beforeAll(async () => {
  node = await loadNodeModel(MANIFEST, 1);
  // The worker's model over the same session (as the app loads it: block tensors as outputs).
  model = {
    unet: node.unet,
    info: {
      hash: node.hash,
      id: 'one-engine',
      manifest: node.manifest,
      backend: 'wasm',
      threads: 1,
      fallbackReason: null,
    },
    alphasCumprod: node.alphasCumprod,
    bytes: node.bytes,
    sessionBytes: withBlockOutputs(node.bytes, readModel(node.bytes), node.manifest),
    externalData: [],
  } as unknown as LoadedModel;
  setCurrentModel(model);
  images = await bundledSet(node.manifest, MANIFEST, 'test');
  cacheDir = mkdtempSync(join(tmpdir(), 'diffprobe-one-engine-'));
});
afterAll(async () => {
  setHelperHost(null);
  rmSync(cacheDir, { recursive: true, force: true });
});

/** Rows in request order, each block's vectors concatenated: [rows, Σdim]. */
type Rows = Map<number, Float32Array>;

async function viaWorker(rows: number[], pooling: Pooling, helper = true) {
  const data = await images.modelInput(rows, node.manifest);
  const got: Rows = new Map();
  const order: number[] = [];
  const ctx = createJobContext(
    1,
    (message) => {
      if (message.kind !== 'partial') return;
      const chunk = message.partial as FeatureChunk;
      for (const [i, row] of chunk.rows.entries()) {
        order.push(row);
        got.set(
          row,
          Float32Array.from(
            BLOCKS.flatMap((b) => [
              ...chunk.features[b].subarray(i * chunk.dims[b], (i + 1) * chunk.dims[b]),
            ]),
          ),
        );
      }
    },
    new AbortController(),
  );
  const result = await extractFeatures(
    {
      images: { data, count: rows.length },
      t: T,
      seed: SEED,
      blocks: BLOCKS,
      pooling,
      batchSize: 32,
      helper,
    },
    ctx,
  );
  return { got, order, result };
}

async function viaCli(rows: number[], poolings: string[]) {
  const got = new Map<string, Rows>(poolings.map((p) => [p, new Map()]));
  const result = await extractRows(
    {
      model: node,
      images,
      rows,
      timesteps: [T],
      poolings,
      blocks: BLOCKS,
      seed: SEED,
      batch: 32,
      cacheDir,
    },
    async (chunk) => {
      for (const p of poolings)
        for (let i = 0; i < chunk.count; i++)
          got
            .get(p)!
            .set(
              chunk.offset + i,
              Float32Array.from(
                BLOCKS.flatMap((b) => [
                  ...chunk.features[p][b].subarray(i * chunk.dims[p][b], (i + 1) * chunk.dims[p][b]),
                ]),
              ),
            );
    },
  );
  return { got, result };
}

/** Whether two rows are the same float32 bits (NaN-safe, −0 ≠ +0). */
function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function expectSameRows(worker: Rows, cli: Rows, n: number) {
  expect([...worker.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
  expect([...cli.keys()]).toEqual(Array.from({ length: n }, (_, i) => i));
  const differing = [...cli.keys()].filter((r) => !sameBits(worker.get(r)!, cli.get(r)!));
  expect(differing).toEqual([]);
}

describe('one extraction engine: the worker and the CLI', () => {
  const rows = Array.from({ length: 80 }, (_, i) => 3 * i + 1);

  it('sub-graph pooled in ONNX (80 images ≥ MIN_IMAGES, the worker on two engines): the same rows bit for bit; a second run is a hit on both, under one key', async () => {
    const first = await viaWorker(rows, { kind: 'adaptive', size: 2 });
    expect(first.result).toMatchObject({ subgraph: true, engines: 2, cached: 0 });
    // The CLI's cache is its own directory: it computes, on its one lane.
    const cli = await viaCli(rows, ['avg2']);
    expect(cli.result).toEqual({ computed: 80, cached: 0, subgraph: true });
    expectSameRows(first.got, cli.got.get('avg2')!, rows.length);
    expect(first.got.get(0)!.length).toBe(256 + 256 + 256);

    // Second runs: every row from each one's cache, the same values.
    const again = await viaWorker(rows, { kind: 'adaptive', size: 2 });
    expect(again.result).toMatchObject({ cached: 80, backends: ['wasm'] });
    expectSameRows(again.got, first.got, rows.length);
    const cliAgain = await viaCli(rows, ['avg2']);
    expect(cliAgain.result).toEqual({ computed: 0, cached: 80, subgraph: false });
    expectSameRows(first.got, cliAgain.got.get('avg2')!, rows.length);

    // One key: the worker's IndexedDB key for a row, with the CLI's backend, names the CLI's record.
    const x0 = await images.modelInput([rows[5]], node.manifest);
    const [hash] = await imageHashes(x0, 1, 784);
    const key = {
      model: node.hash,
      numbers: numbersKey(node.manifest),
      pipeline: PIPELINE_VERSION,
      t: T,
      seed: SEED,
      pooling: 'avg2',
      image: imageKey(hash),
    };
    expect(existsSync(recordPath(cacheDir, { ...key, backend: 'node-cpu' }))).toBe(true);
    expect(existsSync(recordPath(cacheDir, { ...key, backend: 'wasm' }))).toBe(false);
  });

  it('several poolings in one sub-graph pass (the CLI’s features grid) give each pooling’s rows of the worker', async () => {
    const cli = await viaCli(rows, ['avg', 'max', 'grid8']);
    expect(cli.result).toMatchObject({ computed: 80, subgraph: true });
    for (const [name, pooling] of [
      ['avg', { kind: 'avg' }],
      ['max', { kind: 'max' }],
      ['grid8', { kind: 'grid', size: 8 }],
    ] as const) {
      const worker = await viaWorker(rows, pooling, false);
      expect(worker.result).toMatchObject({ subgraph: true, engines: 1 });
      expectSameRows(worker.got, cli.got.get(name)!, rows.length);
    }
  });

  it('few images (< MIN_IMAGES): both pool the U-Net’s maps in JS, the same rows bit for bit', async () => {
    const few = rows.slice(0, 5).map((r) => r + 1000);
    // A pooling no sub-graph was built for yet (one that exists would be reused, on both).
    const worker = await viaWorker(few, { kind: 'adaptive', size: 4 }, false);
    expect(worker.result).toMatchObject({ subgraph: false, cached: 0 });
    const cli = await viaCli(few, ['avg4']);
    expect(cli.result).toEqual({ computed: 5, cached: 0, subgraph: false });
    expectSameRows(worker.got, cli.got.get('avg4')!, few.length);
  });
});
