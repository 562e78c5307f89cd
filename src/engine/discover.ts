/**
 * @file Opening a diffusion U-Net that has no manifest: read the graph, find the inputs' roles and
 * the candidate blocks (core/onnx/discover), then one session with every candidate added as a
 * graph output and dry runs of zeros to learn their shapes, which decide what is a block.
 *
 * The dry run fetches at most `maxOutputsPerRun` outputs per run, and at most `maxBytesPerRun` of
 * them (ORT keeps every fetched tensor until the run returns; a big U-Net has hundreds of
 * candidates, a full-size one dozens of 67 MB maps; engine/dry-run-chunks.ts). A second run at batch 2 checks
 * that the batch axis is really dynamic: exporters freeze it silently (`len(x)` in the forward
 * pass), and DiffProbe batches images.
 */

import { DiffProbeError } from '../core/errors';
import type { TensorDtype } from '../core/manifest/types';
import {
  blockNotes,
  type Candidates,
  type ClassifiedBlock,
  candidateTensors,
  classifyBlocks,
  type DiscoveryForManifest,
  findInputRoles,
  findPrediction,
  type InputRoles,
  isAmbiguousImage,
  type PredictionOutput,
  type SkipEdge,
  skipEdges,
} from '../core/onnx/discover';
import { withGraphOutputs } from '../core/onnx/graph-outputs';
import { type OnnxModelInfo, readModel } from '../core/onnx/reader';
import { timestepDims } from '../core/timestep/batch-feed';
import { chunkWithin, type OutputMetadata, outputBytesBounds } from './dry-run-chunks';
import type { OrtRuntime, OrtSession, OrtTensor, SessionOptions } from './ort-types';
import { tensorOf } from './tensor-data';

export interface DiscoverOptions {
  /** The graph, when the caller has read it already. */
  readonly info?: OnnxModelInfo;
  /** Which input is the image, when several could be (the error's `detail.imageInputs`). */
  readonly imageInput?: string;
  readonly timestepInput?: string;
  /** [height, width] to run at when the graph leaves the image size symbolic. */
  readonly imageSize?: readonly [number, number];
  /** Most outputs fetched by one dry run (default 64). */
  readonly maxOutputsPerRun?: number;
  /**
   * Most bytes of outputs fetched by one dry run, by the bounds ONNX Runtime's shape inference
   * gives (default: no limit but the count). The browser sets it to what its WASM heap has left
   * beside the model.
   */
  readonly maxBytesPerRun?: number;
  /**
   * Run once at batch 2 to check the batch axis is dynamic (default true). The browser skips it for
   * a model whose second image would not fit its heap: it never batches two images of it.
   */
  readonly checkBatch?: boolean;
  /** Passed to createSession (external data, optimisation level…). */
  readonly sessionOptions?: SessionOptions;
  /** Called after each dry run; awaited, so a job can yield (and cancel) between runs. */
  readonly onProgress?: (runsDone: number, runsTotal: number) => void | Promise<void>;
}

export interface DiscoveryCounts {
  readonly nodes: number;
  /** Tensors proposed from the graph's structure. */
  readonly candidates: number;
  /** Outputs fetched by the dry runs (the graph's own, the candidates, Add inputs). */
  readonly fetched: number;
  /** Dry runs at batch 1. */
  readonly runs: number;
  /** Candidates that are feature maps (after the shape checks). */
  readonly blocks: number;
  readonly preselected: number;
}

export interface DiscoveryTimings {
  readonly readMs: number;
  /** Graph analysis and adding the outputs. */
  readonly analyseMs: number;
  readonly sessionMs: number;
  readonly dryRunMs: number;
  readonly batchCheckMs: number;
  readonly totalMs: number;
}

export interface ModelDiscoveryResult extends DiscoveryForManifest {
  readonly roles: InputRoles;
  readonly imageDims: readonly [number, number, number, number];
  readonly prediction: PredictionOutput;
  readonly blocks: readonly ClassifiedBlock[];
  readonly skips: readonly SkipEdge[];
  /** What the blocks say about the graph (no decoder…), for the user. */
  readonly blockNotes: readonly string[];
  readonly counts: DiscoveryCounts;
  readonly timings: DiscoveryTimings;
}

const BATCH_HINT =
  're-export with a dynamic batch axis (dynamic_axes, and x.shape[0] rather than len(x)) — see docs/export.md';

function fixedBatch(n: number, detail: Record<string, unknown> = {}, ortMessage?: string): DiffProbeError {
  const cause = ortMessage ? ` (ONNX Runtime at batch 2: ${ortMessage})` : '';
  return new DiffProbeError(
    'model-unsupported',
    `the model's batch size is fixed at ${n}: ${BATCH_HINT}${cause}`,
    {
      ...detail,
      fixedBatch: n,
    },
  );
}

function message(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim();
}

/** Zeros for the image, t = 0, the extra inputs at their values; at batch `n`. */
function dryRunFeeds(
  runtime: OrtRuntime,
  roles: InputRoles,
  imageDims: readonly number[],
  n: number,
): { feeds: Record<string, OrtTensor>; dims: Map<string, number[]> } {
  const dims = new Map<string, number[]>();
  const feeds: Record<string, OrtTensor> = {};
  const add = (name: string, dtype: TensorDtype, shape: number[], value: number) => {
    dims.set(name, shape);
    feeds[name] = tensorOf(
      runtime,
      dtype,
      new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(value),
      shape,
    );
  };
  add(roles.image.name, roles.image.dtype, [n, ...imageDims.slice(1)], 0);
  add(roles.timestep.name, roles.timestep.dtype, timestepDims(roles.timestep.rank, n), 0);
  for (const e of roles.extras) add(e.name, e.dtype, e.batched ? [n, ...e.shape] : [...e.shape], e.value);
  return { feeds, dims };
}

function describeFeeds(dims: ReadonlyMap<string, number[]>): string {
  return [...dims].map(([name, d]) => `${name} [${d.join(', ')}]`).join(', ');
}

function imageDimsOf(
  roles: InputRoles,
  imageSize?: readonly [number, number],
): [number, number, number, number] {
  const { image } = roles;
  const height = image.height ?? imageSize?.[0];
  const width = image.width ?? imageSize?.[1];
  if (height === undefined || width === undefined)
    throw new DiffProbeError(
      'model-unsupported',
      `the image input ${JSON.stringify(image.name)} has a symbolic height or width: give the size to run it at`,
      { symbolicSize: image.name },
    );
  return [1, image.channels, height, width];
}

async function createSession(
  runtime: OrtRuntime,
  model: Uint8Array,
  options?: SessionOptions,
): Promise<OrtSession> {
  try {
    return await runtime.createSession(model, options);
  } catch (error) {
    if (/out of memory|allocation/i.test(message(error))) throw error;
    throw new DiffProbeError('model-corrupt', `the ONNX file could not be loaded: ${message(error)}`, {
      bytes: model.byteLength,
    });
  }
}

/** Runs at batch 2 fetching only the prediction; throws the fixed-batch error if that fails. */
async function checkDynamicBatch(
  runtime: OrtRuntime,
  session: OrtSession,
  roles: InputRoles,
  imageDims: readonly number[],
  prediction: string,
): Promise<void> {
  const { feeds } = dryRunFeeds(runtime, roles, imageDims, 2);
  let batch: number;
  try {
    const result = await session.run(feeds, [prediction]);
    batch = Number(result[prediction].dims[0]);
    result[prediction].dispose?.();
  } catch (error) {
    throw fixedBatch(1, { input: roles.image.name }, message(error));
  }
  if (batch !== 2)
    throw fixedBatch(
      1,
      { input: roles.image.name },
      `the prediction ${JSON.stringify(prediction)} has batch ${batch}`,
    );
}

/**
 * Discovers a manifest-less U-Net's roles, prediction output and blocks with one session.
 *
 * @throws DiffProbeError('model-unsupported') for a graph DiffProbe cannot drive (no image or
 *   timestep input, a fixed batch size, no output of the image's shape, a failing dry run), with
 *   `detail.imageInputs` when several inputs could be the image (call again with `imageInput`);
 *   ('model-corrupt') for bytes that are not a loadable ONNX model.
 */
export async function discoverModel(
  runtime: OrtRuntime,
  bytes: Uint8Array,
  options: DiscoverOptions = {},
): Promise<ModelDiscoveryResult> {
  const started = performance.now();
  let at = started;
  const lap = () => {
    const now = performance.now();
    const ms = now - at;
    at = now;
    return ms;
  };
  const info = options.info ?? readModel(bytes);
  const readMs = lap();

  const found = findInputRoles(info, {
    imageInput: options.imageInput,
    timestepInput: options.timestepInput,
  });
  if (isAmbiguousImage(found))
    throw new DiffProbeError(
      'model-unsupported',
      `the model has ${found.ambiguousImage.length} inputs that could be the image (${found.ambiguousImage
        .map((n) => JSON.stringify(n))
        .join(', ')}): choose one`,
      { imageInputs: [...found.ambiguousImage] },
    );
  const roles = found;
  if (roles.image.fixedBatch !== null) throw fixedBatch(roles.image.fixedBatch, { input: roles.image.name });
  const imageDims = imageDimsOf(roles, options.imageSize);

  const candidates: Candidates = candidateTensors(info);
  const model = withGraphOutputs(bytes, candidates.fetch);
  const graphOutputs = info.outputs.map((o) => o.name);
  const fetchNames = [...new Set([...graphOutputs, ...candidates.fetch.map((f) => f.name)])];
  const analyseMs = lap();

  // Every failure of a dry run is caught and reported with ORT's message; its log would repeat it.
  const session = await createSession(runtime, model, { logSeverityLevel: 4, ...options.sessionOptions });
  const sessionMs = lap();
  let dryRunMs = 0;
  let batchCheckMs = 0;
  let prediction: PredictionOutput | undefined;
  // The graph's own outputs first: the prediction and the batch check come from the first run.
  const runs = chunkWithin(
    fetchNames,
    outputBytesBounds((session.outputMetadata ?? []) as readonly OutputMetadata[], imageDims),
    options.maxBytesPerRun ?? Number.POSITIVE_INFINITY,
    Math.max(1, options.maxOutputsPerRun ?? 64),
  );
  try {
    const { feeds, dims: inputDims } = dryRunFeeds(runtime, roles, imageDims, 1);
    const shapes = new Map<string, readonly number[]>(inputDims);
    for (const [i, names] of runs.entries()) {
      let result: Awaited<ReturnType<OrtSession['run']>>;
      try {
        result = await session.run(feeds, names);
      } catch (error) {
        // A graph that asks for more memory than the runtime has is too large, not malformed.
        const tooLarge = /too large|out of memory|bad_alloc|failed to allocate/i.test(message(error));
        throw new DiffProbeError(
          tooLarge ? 'out-of-memory' : 'model-unsupported',
          `the dry run at batch 1 ${tooLarge ? 'needs more memory than this runtime has' : 'failed'} (fed zeros: ${describeFeeds(inputDims)}): ${message(error)}`,
          { feeds: Object.fromEntries(inputDims) },
        );
      }
      for (const name of names) {
        shapes.set(name, result[name].dims.map(Number));
        result[name].dispose?.();
      }
      dryRunMs += lap();
      // Once the graph's own outputs are known: the prediction, and whether batching works.
      if (!prediction && graphOutputs.every((o) => shapes.has(o))) {
        prediction = findPrediction(
          graphOutputs.map((name) => ({ name, dims: shapes.get(name) })),
          imageDims,
        );
        if (options.checkBatch ?? true) {
          await checkDynamicBatch(runtime, session, roles, imageDims, prediction.output);
          batchCheckMs = lap();
        }
      }
      await options.onProgress?.(i + 1, runs.length);
      at = performance.now();
    }
    if (!prediction) throw new DiffProbeError('internal', 'the dry run did not fetch the graph outputs');
    const blocks = classifyBlocks(candidates, shapes, imageDims, {
      exclude: new Set([prediction.output]),
      prediction: prediction.output,
    });
    return {
      roles,
      imageDims,
      prediction,
      blocks,
      skips: skipEdges(candidates, blocks),
      blockNotes: blockNotes(blocks),
      counts: {
        nodes: info.nodes.length,
        candidates: candidates.tensors.length,
        fetched: fetchNames.length,
        runs: runs.length,
        blocks: blocks.length,
        preselected: blocks.filter((b) => b.preselected).length,
      },
      timings: {
        readMs,
        analyseMs,
        sessionMs,
        dryRunMs,
        batchCheckMs,
        totalMs: performance.now() - started,
      },
    };
  } finally {
    await session.release();
  }
}
