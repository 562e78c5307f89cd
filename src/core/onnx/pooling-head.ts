/**
 * @file core/pooling.ts as ONNX nodes, appended to a U-Net's sub-graph (core/onnx/subgraph.ts), so
 * that ONNX Runtime pools the block maps where it computed them and only the pooled features leave
 * the session: on WebGPU the maps never leave the GPU, on WASM they are never copied out of the
 * WASM heap into JavaScript and pooled there.
 *
 * Each pooling computes what core/pooling.ts computes (to float32 rounding; the JS sums in float64):
 * - avg: GlobalAveragePool → [N, C, 1, 1], the same memory as [N, C];
 * - max: GlobalMaxPool, plus a GlobalAveragePool "guard" output: ORT's max pooling drops NaN on
 *   some builds (onnxruntime-node 1.30 returned 3 for [1, NaN, 3, 2], the WASM build NaN), and a
 *   mean is NaN or ±Inf whenever the map holds one, so checking the guard keeps the NaN/Inf check
 *   that raw maps get;
 * - adaptive s (torch's adaptive_avg_pool2d): AveragePool with kernel = stride = H/s when s divides
 *   both sides; otherwise torch's bins overlap or differ in size (7 → 2: rows 0–3 and 3–6), which
 *   no AveragePool expresses, so two MatMuls with averaging matrices do it:
 *   Y = P_h · X · P_wᵀ, P_h[i, r] = 1/(r1 − r0) for r in bin i. NCHW [N, C, s, s] is already the
 *   channel-major order of torch's `flatten(1)`;
 * - grid s (the map as tokens, each side to gridSide(side, s) cells): AveragePool when the cells
 *   divide the side (28 → 7, 14 → 7), the two MatMuls when they do not (13 → 8), an Identity when
 *   the map is within the grid already (7 → 7); so a head on the map never copies the full-size
 *   map out of ONNX Runtime;
 * - raw: no head (the block tensors themselves are the outputs).
 */
import { DiffProbeError } from '../errors';
import type { Manifest } from '../manifest/types';
import { GRID_SIZES, type Pooling, pooledShape } from '../pooling';
import { inferElemTypes } from './elem-types';
import { DataType, type InitializerSpec, type NodeSpec } from './model';
import { ElemType, type OnnxModelInfo } from './reader';
import { extractSubgraph, type GraphHead, type SubgraphStats } from './subgraph';

/** A block tensor to pool, with its per-image shape. */
export interface PoolTarget {
  readonly tensor: string;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  /** The map's element type when not float32: a float16 map is cast to float32 before pooling. */
  readonly elemType?: number;
}

export interface PoolingHead extends GraphHead {
  /** For each target: the output holding its pooled features ([N, dim] in memory). */
  readonly pooled: readonly string[];
  /** For each target: an output whose values are all finite iff the map's are, or null when `pooled` is that. */
  readonly guards: readonly (string | null)[];
  /** For each target: values per image. */
  readonly dims: readonly number[];
}

/** Torch's adaptive bins along one axis: [start, end) for each of `out` cells. */
export function adaptiveBins(size: number, out: number): [number, number][] {
  return Array.from({ length: out }, (_, i) => [
    Math.floor((i * size) / out),
    Math.ceil(((i + 1) * size) / out),
  ]);
}

/**
 * The [size, out] averaging matrix of one axis (row-major): column i holds 1/(end − start) on
 * rows start…end−1 of bin i. X·M averages the last axis into `out` bins.
 */
export function averagingMatrix(size: number, out: number): Float32Array {
  const m = new Float32Array(size * out);
  adaptiveBins(size, out).forEach(([start, end], i) => {
    for (let r = start; r < end; r++) m[r * out + i] = 1 / (end - start);
  });
  return m;
}

/** Transposes a row-major [rows, cols] matrix. */
function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}

/**
 * Nodes that pool each target as `pooling` does, named under `prefix` (which must not be used by
 * the graph). For 'raw' there is nothing to append: use the targets themselves as outputs.
 */
export function poolingHead(
  targets: readonly PoolTarget[],
  pooling: Exclude<Pooling, { kind: 'raw' }>,
  prefix = 'diffprobe.pool',
): PoolingHead {
  const nodes: NodeSpec[] = [];
  const initializers: InitializerSpec[] = [];
  const pooled: string[] = [];
  const guards: (string | null)[] = [];
  const dims: number[] = [];
  const matrices = new Map<string, string>();
  /** The averaging matrix for (size, out), shared by targets of the same size; `left`: P (out × size). */
  const matrix = (size: number, out: number, left: boolean): string => {
    const key = `${left ? 'left' : 'right'}${size}to${out}`;
    let name = matrices.get(key);
    if (!name) {
      name = `${prefix}/${key}`;
      const m = averagingMatrix(size, out);
      initializers.push({
        name,
        type: DataType.FLOAT,
        dims: left ? [out, size] : [size, out],
        data: left ? transpose(m, size, out) : m,
      });
      matrices.set(key, name);
    }
    return name;
  };
  targets.forEach((target, i) => {
    const { channels, height, width } = target;
    const at = `${prefix}/${i}`;
    // float16 maps (a float16 model's) are pooled in float32: sums of many halves lose digits.
    let tensor = target.tensor;
    if (target.elemType === ElemType.FLOAT16) {
      tensor = `${at}/float32`;
      nodes.push({
        op: 'Cast',
        name: `${at}/Cast`,
        inputs: [target.tensor],
        outputs: [tensor],
        attributes: { to: ElemType.FLOAT },
      });
    }
    const out = `${at}/pooled`;
    let guard: string | null = null;
    if (pooling.kind === 'avg') {
      nodes.push({
        op: 'GlobalAveragePool',
        name: `${at}/GlobalAveragePool`,
        inputs: [tensor],
        outputs: [out],
      });
      dims.push(channels);
    } else if (pooling.kind === 'max') {
      guard = `${at}/guard`;
      nodes.push({ op: 'GlobalMaxPool', name: `${at}/GlobalMaxPool`, inputs: [tensor], outputs: [out] });
      nodes.push({ op: 'GlobalAveragePool', name: `${at}/guard`, inputs: [tensor], outputs: [guard] });
      dims.push(channels);
    } else if (pooling.kind === 'adaptive' || pooling.kind === 'grid') {
      const sizes: readonly number[] = pooling.kind === 'adaptive' ? [1, 2, 4] : GRID_SIZES;
      if (!sizes.includes(pooling.size))
        throw new DiffProbeError(
          'internal',
          `poolingHead: invalid ${pooling.kind} size ${JSON.stringify(pooling.size)}`,
        );
      const [, gh, gw] = pooledShape([channels, height, width], pooling);
      if (gh === height && gw === width) {
        // A map already within the grid is its own tokens: an Identity names the output.
        nodes.push({ op: 'Identity', name: `${at}/Identity`, inputs: [tensor], outputs: [out] });
      } else if (height % gh === 0 && width % gw === 0) {
        const kernel = [height / gh, width / gw];
        nodes.push({
          op: 'AveragePool',
          name: `${at}/AveragePool`,
          inputs: [tensor],
          outputs: [out],
          attributes: { kernel_shape: kernel, strides: kernel, pads: [0, 0, 0, 0] },
        });
      } else {
        const rows = `${at}/columns_pooled`;
        nodes.push({
          op: 'MatMul',
          name: `${at}/MatMul_columns`,
          inputs: [tensor, matrix(width, gw, false)],
          outputs: [rows],
        });
        nodes.push({
          op: 'MatMul',
          name: `${at}/MatMul_rows`,
          inputs: [matrix(height, gh, true), rows],
          outputs: [out],
        });
      }
      dims.push(channels * gh * gw);
    } else {
      throw new DiffProbeError('internal', `poolingHead: unknown pooling ${JSON.stringify(pooling)}`);
    }
    pooled.push(out);
    guards.push(guard);
  });
  const outputs = [...pooled, ...guards.filter((g): g is string => g !== null)].map((name) => ({
    name,
    elemType: ElemType.FLOAT,
  }));
  return { nodes, initializers, outputs, pooled, guards, dims };
}

/** What a session created from {@link blockExtractionModel}'s bytes returns. */
export interface BlockExtractionPlan {
  readonly bytes: Uint8Array;
  /** Block name → the output to fetch (pooled features, or the raw map for 'raw'). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Block name → an output that is finite iff the block's map is, when that is not `outputs[block]`. */
  readonly guards: Readonly<Record<string, string>>;
  /** Block name → values per image ([N, dim] in memory). */
  readonly dims: Readonly<Record<string, number>>;
  /** Block name → the shape each output must have at batch N, N left out. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly stats: SubgraphStats;
}

/** A prefix that no tensor or node of the graph starts with. */
function freePrefix(info: OnnxModelInfo): string {
  const names = [
    ...info.nodes.flatMap((n) => [n.name, ...n.outputs]),
    ...info.initializers.map((t) => t.name),
    ...info.inputs.map((v) => v.name),
  ];
  for (let k = 0; ; k++) {
    const prefix = k ? `diffprobe.pool${k}` : 'diffprobe.pool';
    if (!names.some((n) => n.startsWith(prefix))) return prefix;
  }
}

/**
 * The model reduced to what `blocks` need, pooled in ONNX as `pooling` says: the session that
 * extraction runs instead of the whole U-Net with every block map fetched.
 *
 * @param bytes the session bytes (block tensors may be internal; they need not be outputs).
 * @throws DiffProbeError('model-mismatch') for a block the manifest or the graph does not have.
 */
export function blockExtractionModel(
  bytes: Uint8Array,
  info: OnnxModelInfo,
  manifest: Pick<Manifest, 'blocks'>,
  blocks: readonly string[],
  pooling: Pooling,
): BlockExtractionPlan {
  return pooledExtractionModel(bytes, info, manifest, blocks, [pooling], (_, block) => block);
}

/**
 * {@link blockExtractionModel} for several poolings in one pass: every block pooled each way, the
 * plan's entries named `column(pooling, block)`. (The CLI's `features` grid pools each map several
 * ways; the U-Net runs once.) 'raw' comes alone: its outputs are the block tensors themselves.
 */
export function pooledExtractionModel(
  bytes: Uint8Array,
  info: OnnxModelInfo,
  manifest: Pick<Manifest, 'blocks'>,
  blocks: readonly string[],
  poolings: readonly Pooling[],
  column: (pooling: Pooling, block: string) => string,
): BlockExtractionPlan {
  const byName = new Map(manifest.blocks.map((b) => [b.name, b]));
  const types = inferElemTypes(info);
  const targets = blocks.map((name) => {
    const b = byName.get(name);
    if (!b) throw new DiffProbeError('model-mismatch', `no block ${JSON.stringify(name)} in the manifest`);
    const elemType = types.get(b.output);
    return {
      tensor: b.output,
      channels: b.channels,
      height: b.resolution[0],
      width: b.resolution[1],
      ...(elemType !== undefined && { elemType }),
    };
  });
  const outputs: Record<string, string> = {};
  const guards: Record<string, string> = {};
  const dims: Record<string, number> = {};
  const shapes: Record<string, number[]> = {};
  if (poolings.some((p) => p.kind === 'raw')) {
    if (poolings.length !== 1)
      throw new DiffProbeError('internal', 'raw maps are extracted alone, not beside pooled features');
    // Two blocks may name one tensor: list it once.
    const tensors = [...new Set(targets.map((t) => t.tensor))];
    const sub = extractSubgraph(bytes, tensors, { info });
    blocks.forEach((name, i) => {
      const t = targets[i];
      const key = column(poolings[0], name);
      outputs[key] = t.tensor;
      dims[key] = t.channels * t.height * t.width;
      shapes[key] = [t.channels, t.height, t.width];
    });
    return { bytes: sub.bytes, outputs, guards, dims, shapes, stats: sub.stats };
  }
  const prefix = freePrefix(info);
  const heads = poolings.map((pooling, j) =>
    // One pooling keeps the prefix itself (the graph the worker has always built).
    poolingHead(
      targets,
      pooling as Exclude<Pooling, { kind: 'raw' }>,
      poolings.length > 1 ? `${prefix}/p${j}` : prefix,
    ),
  );
  poolings.forEach((pooling, j) => {
    const head = heads[j];
    blocks.forEach((name, i) => {
      const t = targets[i];
      const key = column(pooling, name);
      outputs[key] = head.pooled[i];
      if (head.guards[i]) guards[key] = head.guards[i]!;
      dims[key] = head.dims[i];
      shapes[key] = pooledShape([t.channels, t.height, t.width], pooling);
    });
  });
  const head: GraphHead = {
    nodes: heads.flatMap((h) => h.nodes),
    initializers: heads.flatMap((h) => h.initializers ?? []),
    outputs: heads.flatMap((h) => h.outputs),
  };
  const sub = extractSubgraph(bytes, [], { info, head });
  return { bytes: sub.bytes, outputs, guards, dims, shapes, stats: sub.stats };
}
