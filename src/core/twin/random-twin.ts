/**
 * @file The random-weights twin of a model: the same ONNX graph with every learned weight re-drawn
 * the way PyTorch initialises that layer, normalisations reset to scale 1 and shift 0, and every
 * constant that was never learned kept (roles.ts decides which is which from the graph). It is the
 * control that says how much of what a probe finds is the architecture's and how much training's.
 *
 * The new values overwrite the old ones in a copy of the bytes (tensor-payloads.ts finds them; the
 * dtype and count are unchanged, so nothing moves), including weights kept in external data files.
 * Each tensor's values come from its own stream, seeded by (seed, FNV-1a of its name), so they do
 * not depend on the order of the file, and a twin of a twin with the same seed is that twin again.
 */
import { DiffProbeError } from '../errors';
import { float16Bits } from '../float16';
import { ElemType, readModel } from '../onnx/reader';
import { FLOAT_BYTES, type TensorPayload, tensorPayloads } from '../onnx/tensor-payloads';
import { createRng, fnv1a32, gaussian } from '../rng';
import { type RoleOptions, type TensorRole, type TwinInit, tensorRoles } from './roles';

export interface TwinEntry {
  readonly name: string;
  readonly dims: readonly number[];
  /** 'float', 'float16'… */
  readonly dtype: string;
  readonly source: 'initializer' | 'constant';
  readonly action: 'redrawn' | 'reset' | 'kept';
  readonly role: string;
  /** The distribution or value used (re-drawn / reset), else why it was kept. */
  readonly detail: string;
  /** The node (and input) whose use decided the role. */
  readonly where: string;
}

export interface TwinReport {
  readonly seed: number;
  readonly redrawn: number;
  readonly reset: number;
  readonly kept: number;
  /** Parameters (values) re-drawn or reset, against all float values of the model's constants. */
  readonly values: { readonly changed: number; readonly total: number };
  readonly entries: readonly TwinEntry[];
}

export interface ExternalFile {
  readonly path: string;
  readonly data: Uint8Array;
}

export interface TwinModel {
  readonly bytes: Uint8Array;
  /** The model's external data files with the re-drawn tensors rewritten (same names). */
  readonly externalData: ExternalFile[];
  readonly report: TwinReport;
}

export interface TwinOptions extends RoleOptions {
  readonly seed: number;
}

const DTYPE: Record<number, string> = {
  [ElemType.FLOAT]: 'float',
  [ElemType.FLOAT16]: 'float16',
  [ElemType.BFLOAT16]: 'bfloat16',
  [ElemType.DOUBLE]: 'double',
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** bfloat16 bits of `x`, rounded to nearest even. */
function toBfloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The tensor's new values, from its own seeded stream. */
export function drawValues(init: TwinInit, count: number, seed: number, name: string): Float64Array {
  const out = new Float64Array(count);
  if (init.kind === 'constant') return out.fill(init.value);
  const rng = createRng(seed, fnv1a32(new TextEncoder().encode(name)));
  if (init.kind === 'normal') {
    const z = gaussian(rng, count);
    for (let i = 0; i < count; i++) out[i] = init.std * z[i];
    return out;
  }
  // U(−b, b): nextFloat is (u + 0.5)/2³², so values stay strictly inside the bounds.
  for (let i = 0; i < count; i++) out[i] = init.bound * (2 * rng.nextFloat() - 1);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Writes `values` as `elemType` little-endian elements (`width` bytes each) into `out`. */
function writeValues(out: Uint8Array, values: Float64Array, elemType: number, width: number): void {
  // Payloads sit at any byte offset: convert in an aligned array, then copy the bytes once.
  if (LITTLE_ENDIAN && (width === 4 || width === 8)) {
    const typed = width === 4 ? Float32Array.from(values) : values;
    out.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (width === 8) view.setFloat64(i * 8, v, true);
    else if (width === 4) view.setFloat32(i * 4, v, true);
    else view.setUint16(i * 2, elemType === ElemType.BFLOAT16 ? toBfloat16Bits(v) : float16Bits(v), true);
  }
}

/** A tensor's stored float32 values (raw or packed), or null when they are stored otherwise. */
function storedValues(bytes: Uint8Array, p: TensorPayload): Float32Array | null {
  const s = p.storage;
  const float32 =
    p.elemType === ElemType.FLOAT && (s.kind === 'raw' || (s.kind === 'packed' && s.bytesPerValue === 4));
  if (!float32 || (s.kind !== 'raw' && s.kind !== 'packed')) return null;
  const copy = bytes.slice(s.start, s.end);
  const view = new DataView(copy.buffer);
  return Float32Array.from({ length: copy.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function numel(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Builds the random-weights twin of an ONNX model (`externalData`: its external data files, by the
 * `location` the graph gives).
 *
 * @throws DiffProbeError('twin-no-weights') when no tensor of the graph is a learned weight (every
 *   initializer is a constant), and 'model-missing' when an external data file is not given.
 */
export function randomTwin(
  bytes: Uint8Array,
  externalData: readonly ExternalFile[],
  options: TwinOptions,
): TwinModel {
  const info = readModel(bytes);
  const payloads = tensorPayloads(bytes);
  const roles = tensorRoles(info, payloads, options);
  const byName = new Map(payloads.map((p) => [p.name, p]));
  // Constant nodes count only when they hold a model's parameters: the rest are the graph's own
  // small constants (shapes, axes), and a reset that changes nothing (the ones and zeros torch
  // writes for InstanceNormalization inside its GroupNorm export) is no news either.
  const listed = roles.filter((r) => {
    const p = byName.get(r.name)!;
    if (p.source === 'initializer' || r.action === 'redraw') return true;
    if (r.action !== 'reset' || r.init?.kind !== 'constant') return false;
    const value = r.init.value;
    const current = storedValues(bytes, p);
    return current === null || current.some((v) => v !== value);
  });
  const out = bytes.slice();
  const files = new Map(externalData.map((f) => [f.path, f]));
  const outFiles = new Map<string, Uint8Array>();
  const fileFor = (location: string): Uint8Array => {
    let copy = outFiles.get(location);
    if (!copy) {
      const file = files.get(location) ?? files.get(location.split('/').pop() ?? location);
      if (!file)
        throw new DiffProbeError(
          'model-missing',
          `the weights in external data file "${location}" were not given`,
          {
            location,
          },
        );
      copy = file.data.slice();
      outFiles.set(location, copy);
    }
    return copy;
  };
  let changed = 0;
  let total = 0;
  const entries: TwinEntry[] = [];
  for (const role of listed) {
    const p = byName.get(role.name)!;
    const width = FLOAT_BYTES[p.elemType] ?? 0;
    if (width) total += numel(p.dims);
    let entry = entryOf(role, p);
    if (role.action !== 'keep' && role.init) {
      const s = p.storage;
      if (s.kind === 'other')
        entry = { ...entry, action: 'kept', detail: `kept: ${s.why}, which the twin does not rewrite` };
      else {
        const values = drawValues(role.init, numel(p.dims), options.seed, p.name);
        if (s.kind === 'raw') writeValues(out.subarray(s.start, s.end), values, p.elemType, width);
        else if (s.kind === 'packed')
          writeValues(out.subarray(s.start, s.end), values, ElemType.FLOAT, s.bytesPerValue);
        else {
          const file = fileFor(s.location);
          if (s.offset + s.length > file.length)
            throw new DiffProbeError(
              'model-corrupt',
              `tensor "${p.name}" lies past the end of "${s.location}" (${s.offset + s.length} > ${file.length} bytes)`,
            );
          writeValues(file.subarray(s.offset, s.offset + s.length), values, p.elemType, width);
        }
        changed += values.length;
      }
    }
    entries.push(entry);
  }
  const redrawn = entries.filter((e) => e.action === 'redrawn').length;
  if (redrawn === 0)
    throw new DiffProbeError(
      'twin-no-weights',
      `none of the graph's ${payloads.length} constant tensors is a learned weight (no Conv, ConvTranspose, Gemm or MatMul takes a constant weight, and no embedding table is indexed by an input); kept: ${summariseKept(entries)}`,
      { tensors: payloads.length },
    );
  return {
    bytes: out,
    externalData: externalData.map((f) => ({ path: f.path, data: outFiles.get(f.path) ?? f.data })),
    report: {
      seed: options.seed,
      redrawn,
      reset: entries.filter((e) => e.action === 'reset').length,
      kept: entries.filter((e) => e.action === 'kept').length,
      values: { changed, total },
      entries,
    },
  };
}

function entryOf(role: TensorRole, p: TensorPayload): TwinEntry {
  return {
    name: p.name,
    dims: p.dims,
    dtype: DTYPE[p.elemType] ?? `type ${p.elemType}`,
    source: p.source,
    action: role.action === 'redraw' ? 'redrawn' : role.action === 'reset' ? 'reset' : 'kept',
    role: role.role,
    detail: role.init ? role.init.rule : role.why,
    where: role.why,
  };
}

/** "3 scalar constants, 1 timestep table" */
function summariseKept(entries: readonly TwinEntry[]): string {
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.role, (counts.get(e.role) ?? 0) + 1);
  return [...counts].map(([role, n]) => `${n} ${role}${n > 1 ? 's' : ''}`).join(', ') || 'nothing';
}
