/**
 * @file loadModel: read a model (URL, files, or the loaded one under a new manifest), check it,
 * and make it current only once it works. Without a manifest the worker reads the graph, finds
 * the image / timestep / extra inputs and the candidate blocks (one dry run), and writes the
 * manifest itself. Block tensors that are not graph outputs are added as outputs before the
 * session is created. A failure anywhere leaves the previous model loaded and usable.
 */
import { DiffProbeError } from '../../core/errors';
import { modelIdentity } from '../../core/manifest/numbers-key';
import type { Manifest } from '../../core/manifest/types';
import { validateManifest } from '../../core/manifest/validate';
import { withBlockOutputs } from '../../core/onnx/block-outputs';
import {
  dryRunRoom,
  estimateMemory,
  fitsWasmHeap,
  formatBytes,
  type MemoryEstimate,
} from '../../core/onnx/memory';
import type { OnnxModelInfo } from '../../core/onnx/reader';
import { scheduleFromManifest } from '../../core/schedule';
import { sha256Hex } from '../../core/sha256';
import { randomTwin } from '../../core/twin/random-twin';
import { twinManifest } from '../../core/twin/twin-manifest';
import { download } from '../../data/download';
import { wasmHeapBytes, webRuntimeVersion } from '../../engine/onnx-web';
import { unsupportedOnWebGpu } from '../../engine/webgpu-ops';
import type { ModelFileRecord } from '../../pipeline/provenance';
import { releaseBlockSessions } from '../block-sessions';
import type { JobContext } from '../context';
import type { AutoDecision, BackendChoice, ModelDiscovery, ModelInfo, ModelSource, TwinInfo } from '../jobs';
import {
  addCompanion,
  currentModel,
  findModel,
  isLoaded,
  type LoadedModel,
  rememberedModel,
  rememberModel,
  removeCompanion,
  setCurrentModel,
} from '../model-state';
import { watchDeviceLoss } from './device-loss';
import { discoverInWorker, readGraph } from './discover-model';
import { prepareWasm } from './environment';
import { resolveInputData } from './input-data';
import { checkModelSize, fetchBytes, readBlob } from './model-bytes';
import { openOnBestBackend } from './open-backend';
import type { ExternalData } from './open-session';

function parseManifest(text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DiffProbeError(
      'manifest-invalid',
      `the manifest is not valid JSON: ${(error as Error).message}`,
    );
  }
  return validateManifest(json);
}

/**
 * ONNX Runtime looks external data up by the `location` the graph gives. A user may pick a renamed
 * file: with one file needed and one given, it is that one; otherwise the names must match.
 */
export function matchExternalData(
  needed: readonly string[],
  given: ExternalData,
  fileName: string,
): ExternalData {
  if (!needed.length) return given;
  if (needed.length === 1 && given.length === 1) return [{ path: needed[0], data: given[0].data }];
  const byName = new Map(given.map((g) => [g.path, g.data]));
  const missing = needed.filter((n) => !byName.has(n.split('/').pop() ?? n) && !byName.has(n));
  if (missing.length)
    throw new DiffProbeError(
      'model-missing',
      `${fileName} keeps its weights in ${missing.map((m) => `"${m}"`).join(', ')}: pick ${missing.length > 1 ? 'those files' : 'that file'} together with the .onnx`,
      { missing },
    );
  return needed.map((n) => ({ path: n, data: (byName.get(n) ?? byName.get(n.split('/').pop() ?? n))! }));
}

interface ReadModel {
  /** Set for a random-weights twin. */
  twin?: TwinInfo;
  manifest: Manifest | null;
  bytes: Uint8Array;
  fileName: string;
  /** The graph's external data files, and any .npy for an extra input (resolveInputData sorts them). */
  externalData: ExternalData;
  /** Known already (the loaded model's bytes again): its identity hash and the .onnx file's own. */
  hash?: string;
  fileSha256?: string;
  /** Known already: every file's digest (ModelInfo.files). */
  files?: ModelFileRecord[];
  discovery?: ModelDiscovery | null;
}

/** The random-weights twin of a loaded model: its bytes re-drawn (core/twin), under the twin's manifest. */
async function readTwin(
  source: Extract<ModelSource, { kind: 'twin' }>,
  ctx: JobContext,
  checkGraph: (bytes: Uint8Array, fileName: string, manifest: Manifest | null) => Promise<void>,
): Promise<ReadModel> {
  const base = findModel(source.of);
  if (!base)
    throw new DiffProbeError(
      'model-changed',
      'the model to make a random-weights twin of is no longer loaded',
      {
        of: source.of,
      },
    );
  ctx.progress(0, 1, 're-drawing the weights');
  const { manifest } = base.info;
  const twin = randomTwin(base.bytes, base.externalData, {
    seed: source.seed,
    timestepInputs: [manifest.timestep.name],
  });
  const fileSha256 = await sha256Hex(twin.bytes);
  const twinManifestFor = twinManifest(manifest, {
    sha256: fileSha256,
    bytes: twin.bytes.length,
    seed: source.seed,
  });
  const fileName = base.info.fileName.replace(/(\.onnx)?$/i, `.random-weights-${source.seed}.onnx`);
  await checkGraph(twin.bytes, fileName, twinManifestFor);
  return {
    manifest: twinManifestFor,
    bytes: twin.bytes,
    fileName,
    externalData: twin.externalData,
    fileSha256,
    discovery: base.info.discovery,
    twin: {
      of: base.info.id,
      ofHash: base.info.hash,
      ofName: manifest.name,
      seed: source.seed,
      report: twin.report,
    },
  };
}

/**
 * Reads the model's files. `checkGraph` sees the .onnx (and the manifest) before any external data
 * is read: a model that cannot fit is refused before gigabytes of weights are read for nothing.
 */
async function readSource(
  source: Exclude<ModelSource, { kind: 'loaded' }>,
  ctx: JobContext,
  checkGraph: (bytes: Uint8Array, fileName: string, manifest: Manifest | null) => Promise<void>,
): Promise<ReadModel> {
  if (source.kind === 'twin') return readTwin(source, ctx, checkGraph);
  if (source.kind === 'current') {
    const current = currentModel();
    if (!current) throw new DiffProbeError('model-missing', 'no model is loaded yet');
    const inputFiles: ExternalData = [];
    for (const file of source.inputFiles ?? [])
      inputFiles.push({ path: file.path, data: await readBlob(file.data, file.path, () => {}) });
    return {
      manifest: validateManifest(source.manifest),
      bytes: current.bytes,
      fileName: current.info.fileName,
      externalData: [...current.externalData, ...inputFiles],
      hash: current.info.hash,
      fileSha256: current.info.fileSha256,
      files: current.info.files,
      discovery: current.info.discovery,
    };
  }
  if (source.kind === 'url') {
    const manifest = parseManifest(
      new TextDecoder().decode(await fetchBytes(source.manifestUrl, 'manifest')),
    );
    const url = new URL(manifest.model.file, source.manifestUrl).href;
    const mb = (manifest.model.bytes / 1e6).toFixed(1);
    // Checked against the manifest's digest and kept for offline use (data/download.ts): a file
    // cut short or stale is fetched again, never opened.
    const bytes = await download({
      url,
      sha256: manifest.model.sha256.toLowerCase(),
      bytes: manifest.model.bytes,
      what: 'model file',
      mismatch: 'model-corrupt',
      missing: 'model-missing',
      onProgress: (done, total) =>
        ctx.progress(Math.round((100 * done) / total), 100, `downloading ${mb} MB`),
    });
    return { manifest, bytes, fileName: manifest.model.file, externalData: [] };
  }
  checkModelSize(source.modelName, source.model.size);
  const manifest = source.manifestText === undefined ? null : parseManifest(source.manifestText);
  const total = source.model.size + (source.externalData ?? []).reduce((n, d) => n + d.data.size, 0);
  let before = 0;
  const progress = (done: number) =>
    ctx.progress(
      Math.round((100 * (before + done)) / total),
      100,
      `reading ${(total / 2 ** 20).toFixed(0)} MB`,
    );
  const bytes = await readBlob(source.model, source.modelName, progress);
  before += bytes.length;
  await checkGraph(bytes, source.modelName, manifest);
  const externalData: ExternalData = [];
  for (const file of source.externalData ?? []) {
    externalData.push({ path: file.path, data: await readBlob(file.data, file.path, progress) });
    before += file.data.size;
  }
  return { manifest, bytes, fileName: source.modelName, externalData };
}

function checkSha256(manifest: Manifest | null, fileName: string, sha256: string): void {
  if (manifest?.model.sha256 && manifest.model.sha256.toLowerCase() !== sha256)
    throw new DiffProbeError(
      'model-mismatch',
      `model.sha256: "${fileName}" has sha256 ${sha256.slice(0, 12)}…, the manifest expects ${manifest.model.sha256.slice(0, 12)}…`,
      { expected: manifest.model.sha256, actual: sha256 },
    );
}

/**
 * Refuses a model the WASM heap cannot hold (WebGPU sessions are built in the same heap before
 * their weights move to the GPU, so the limit holds for both backends).
 */
function checkFitsWasm(memory: MemoryEstimate, fileName: string, external: boolean): void {
  const fit = fitsWasmHeap(memory);
  if (fit.fits) return;
  throw new DiffProbeError(
    'model-unsupported',
    `${fileName} needs about ${formatBytes(memory.total)} at batch 1 (weights ${formatBytes(memory.weightsInRuntime)}${memory.weightsInRuntime > memory.weights ? ' once computed in float32' : ''}, activations ~${formatBytes(memory.activations)}); in ONNX Runtime Web that is about ${formatBytes(fit.need)} of WASM heap, more than the ${formatBytes(fit.limit)} its 32-bit WASM can address. Run it with the command-line tool (npx diffprobe, native memory), or export a smaller configuration.`,
    { need: fit.need, limit: fit.limit, weights: memory.weights, activations: memory.activations, external },
  );
}

type LoadParams = {
  source: ModelSource;
  backend: BackendChoice;
  wasmThreads?: number;
  autoDecisions?: AutoDecision[];
  companion?: boolean;
};

export async function loadModel(params: LoadParams, ctx: JobContext): Promise<ModelInfo> {
  try {
    return await load(params, ctx);
  } catch (error) {
    throw namingTheFile(error, sourceName(params.source));
  }
}

function sourceName(source: ModelSource): string {
  if (source.kind === 'files') return source.modelName;
  if (source.kind === 'twin')
    return `the random-weights twin of ${findModel(source.of)?.info.fileName ?? 'the model'}`;
  if (source.kind === 'loaded') return findModel(source.id)?.info.fileName ?? 'the model';
  if (source.kind === 'current') return currentModel()?.info.fileName ?? 'the model';
  return source.manifestUrl.split('/').pop() ?? source.manifestUrl;
}

/** Every complaint about a model says which file it is about (users open several). */
function namingTheFile(error: unknown, name: string): unknown {
  const wire = error instanceof DiffProbeError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes(name) || (wire && wire.code === 'cancelled')) return error;
  if (wire) return new DiffProbeError(wire.code, `${name}: ${message}`, wire.detail);
  return new Error(`${name}: ${message}`);
}

async function load(params: LoadParams, ctx: JobContext): Promise<ModelInfo> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, since: number) => {
    timings[name] = Math.round(performance.now() - since);
    return performance.now();
  };
  if (params.source.kind === 'loaded') return promote(params.source.id, params.companion === true);
  let at = performance.now();
  ctx.progress(0, 100, 'reading model');
  // WASM will run (Auto opens it too): its .wasm compiles while the model downloads and is read
  // (started already when the page's first job said which backend it loads with).
  prepareWasm(params);
  let graph: OnnxModelInfo | undefined;
  let memory: MemoryEstimate | undefined;
  // Said before anything big is read or allocated; a model the WASM heap cannot hold stops here.
  let fileSha256: string | undefined;
  const checkGraph = async (bytes: Uint8Array, fileName: string, manifest: Manifest | null) => {
    // A manifest's checksum first: a file that is not the one it describes is named as such.
    fileSha256 ??= await sha256Hex(bytes);
    checkSha256(manifest, fileName, fileSha256);
    graph = readGraph(bytes, fileName);
    memory = estimateMemory(graph, manifest);
    ctx.progress(0, 100, `needs about ${formatBytes(memory.total)} at batch 1`);
    checkFitsWasm(memory, fileName, graph.externalData);
  };
  const read = await readSource(params.source, ctx, checkGraph);
  at = lap('readMs', at);
  // A .npy picked for an extra input is the manifest's, not the graph's: out of the external data
  // (and of the model's hash; its own sha256 is in the manifest's numbers key).
  const current = currentModel();
  const inputs = await resolveInputData(
    read.manifest,
    read.externalData,
    current ? { manifest: current.info.manifest, constants: current.unet.constants } : null,
  );
  read.externalData = inputs.rest;
  fileSha256 = read.fileSha256 ?? fileSha256 ?? (await sha256Hex(read.bytes));
  // Weights in external data are part of the model: the same graph with other weights is another
  // model for the cache and for every result.
  const externalSha256 = read.files
    ? read.files.slice(1).map((f) => f.sha256)
    : await Promise.all(read.externalData.map((d) => sha256Hex(d.data)));
  const hash =
    read.hash ??
    (read.externalData.length
      ? await sha256Hex(new TextEncoder().encode([fileSha256, ...externalSha256].join(':')))
      : fileSha256);
  // Every file in full for the provenance of results (the .onnx first, then its external data).
  const shaOf = new Map(read.externalData.map((d, i) => [d.data, externalSha256[i]]));
  at = lap('hashMs', at);
  checkSha256(read.manifest, read.fileName, fileSha256);
  await ctx.checkpoint();
  ctx.progress(100, 100, 'reading the graph');
  if (!graph) await checkGraph(read.bytes, read.fileName, read.manifest);
  if (!graph || !memory) throw new DiffProbeError('internal', 'the graph was not read');
  read.externalData = matchExternalData(graph.externalFiles, read.externalData, read.fileName);
  const files: ModelFileRecord[] = [
    { name: read.fileName, bytes: read.bytes.length, sha256: fileSha256 },
    ...read.externalData.map((d) => ({ name: d.path, bytes: d.data.length, sha256: shaOf.get(d.data)! })),
  ];
  const webgpuUnsupported = unsupportedOnWebGpu(graph.nodes);
  let manifest = read.manifest;
  let discovery = read.discovery ?? null;
  const before = manifest ? undefined : rememberedModel(hash);
  if (before && (params.source as { imageInput?: string }).imageInput === undefined) {
    manifest = before.manifest;
    discovery = before.discovery;
  }
  if (!manifest) {
    ctx.progress(0, 1, 'finding the blocks (dry run)');
    const source = params.source as Extract<ModelSource, { kind: 'files' }>;
    const found = await discoverInWorker(
      read.bytes,
      graph,
      read.fileName,
      fileSha256,
      read.externalData,
      source.imageInput,
      {
        maxBytesPerRun: dryRunRoom(memory),
        // A second image's activations must fit beside the first for the batch-2 check to run at all.
        checkBatch: dryRunRoom(memory) >= memory.activations,
        onProgress: async (done, total) => {
          ctx.progress(done, total, `finding the blocks (dry run ${done} of ${total})`);
          await ctx.checkpoint();
        },
      },
    );
    manifest = found.manifest;
    discovery = { ...found.discovery, webgpuUnsupported };
    at = lap('discoverMs', at);
  }
  const id = modelIdentity(hash, manifest);
  // A model loaded already comes back as it is when asked for as a companion, and a twin loaded
  // beside its model (for a sweep, for CKA) becomes the current one without a second session. (Not
  // every source: the current model under its own manifest is how a change of backend reopens it.)
  const loadedAlready = params.companion || params.source.kind === 'twin' ? findModel(id) : null;
  if (loadedAlready) return params.companion ? loadedAlready.info : promote(id, false);
  ctx.progress(0, 1, 'creating session');
  const sessionBytes = withBlockOutputs(read.bytes, graph, manifest);
  const opened = await openOnBestBackend(
    params.backend,
    sessionBytes,
    manifest,
    params.wasmThreads,
    read.externalData,
    webgpuUnsupported,
    { model: id, decisions: params.autoDecisions },
    inputs.constants,
    // The bundled model, byte for byte the one its manifest names (checkSha256 above).
    params.source.kind === 'url' && manifest === read.manifest && Boolean(manifest.model.sha256),
  );
  lap('sessionMs', at);
  const info: ModelInfo = {
    hash,
    fileSha256,
    files,
    runtimeVersion: await webRuntimeVersion(opened.backend),
    id,
    manifest,
    fileName: read.fileName,
    origin:
      params.source.kind === 'current'
        ? (currentModel()?.info.origin ?? 'manifest')
        : params.source.kind === 'url'
          ? 'bundled'
          : read.manifest
            ? 'manifest'
            : 'discovered',
    discovery,
    backend: opened.backend,
    adapter: opened.adapter,
    threads: opened.backend === 'wasm' ? opened.threads : 0,
    fallbackReason: opened.fallbackReason,
    backendReason: opened.backendReason,
    autoDecision: opened.autoDecision,
    loadMs: Math.round(performance.now() - started),
    timings,
    ...(opened.unet.float16 && { float16: true }),
    memory,
    wasmHeapBytes: wasmHeapBytes(),
    ...(read.twin ? { twin: read.twin } : {}),
  };
  const loaded: LoadedModel = {
    unet: opened.unet,
    info,
    alphasCumprod: scheduleFromManifest(manifest.schedule).alphasCumprod,
    bytes: read.bytes,
    sessionBytes,
    externalData: read.externalData,
  };
  if (params.companion) {
    for (const evicted of addCompanion(loaded)) await releaseModel(evicted);
  } else {
    const previous = setCurrentModel(loaded);
    // Only what was worked out for a bare file is brought back for it; a manifest speaks for itself.
    if (info.origin === 'discovered') rememberModel(info);
    // The trained model stays beside its twin, so that going back to it is instant.
    if (previous && info.twin?.of === previous.info.id)
      for (const evicted of addCompanion(previous)) await releaseModel(evicted);
    // The previous model may live on as a companion (the same id loaded beside it).
    if (previous && !isLoaded(previous)) await releaseModel(previous, loaded);
  }
  if (opened.backend === 'webgpu') watchDeviceLoss(loaded);
  ctx.progress(1, 1, 'ready');
  return info;
}

/**
 * A model loaded already, made the current one (its sessions as they are); the previous current
 * model stays beside it as a companion. With `companion`, it is only looked up.
 */
async function promote(id: string, companion: boolean): Promise<ModelInfo> {
  const model = findModel(id);
  if (!model)
    throw new DiffProbeError('model-changed', 'that model is no longer loaded; open it again', { id });
  if (companion || currentModel() === model) return model.info;
  removeCompanion(id);
  const previous = setCurrentModel(model);
  if (previous) for (const evicted of addCompanion(previous)) await releaseModel(evicted);
  return model.info;
}

/** Releases a model's extraction sessions and its U-Net session (unless `successor` shares it). */
async function releaseModel(model: LoadedModel, successor?: LoadedModel): Promise<void> {
  await releaseBlockSessions(model);
  if (model.unet !== successor?.unet) await model.unet.release().catch(() => {});
}

export { currentModel };
