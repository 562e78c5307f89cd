/**
 * @file How discovery's dry runs split the tensors they fetch. ONNX Runtime keeps every fetched
 * tensor until its run returns, and a full-size U-Net's candidates are big: guided-diffusion's
 * ImageNet-256 model has dozens of 256×256 maps of 256–512 channels (67–134 MB each), and its
 * weights leave about half a gigabyte of a 4 GiB WASM heap. So the outputs go in runs that stay
 * within a byte budget as well as a count.
 *
 * A tensor's size is not known before the run, but ONNX Runtime's shape inference knows most of
 * it when the session is made (`outputMetadata`: the channels nearly always, often the height and
 * width). Unknown sizes are bounded: a height or width by the image's, a channel count by the
 * widest one known, so the bound is never below the real size of a U-Net's map.
 */

/** What a session says about one output (onnxruntime-common's TensorValueMetadata, loosely). */
export interface OutputMetadata {
  readonly name: string;
  readonly isTensor?: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

const TYPE_BYTES: Record<string, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  uint64: 8,
  int32: 4,
  uint32: 4,
  int16: 2,
  uint16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

const known = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;

/**
 * An upper bound of the bytes of each output at batch 1, by name: the known dims as they are,
 * an unknown height/width as the image's, an unknown channel count (or any other unknown dim) as
 * the widest channel count known. Outputs without metadata get the widest map at full resolution.
 */
export function outputBytesBounds(
  metadata: readonly OutputMetadata[],
  image: readonly [number, number, number, number],
): Map<string, number> {
  const [, channels, height, width] = image;
  let widest = channels;
  for (const m of metadata)
    if (m.shape?.length === 4 && known(m.shape[1])) widest = Math.max(widest, m.shape[1]);
  const bounds = new Map<string, number>();
  for (const m of metadata) {
    const bytes = TYPE_BYTES[m.type ?? 'float32'] ?? 4;
    const shape = m.shape;
    if (!shape?.length) {
      bounds.set(m.name, bytes * widest * height * width);
      continue;
    }
    let elements = 1;
    for (const [i, d] of shape.entries()) {
      if (i === 0) continue; // the batch: 1 in a dry run
      const fallback =
        shape.length === 4 && i === 2 ? height : shape.length === 4 && i === 3 ? width : widest;
      elements *= known(d) ? d : fallback;
    }
    bounds.set(m.name, bytes * elements);
  }
  return bounds;
}

/**
 * `names` in order, in runs of at most `maxCount` names whose bounds sum to at most `maxBytes`
 * (a name over the budget on its own gets a run of its own). Names without a bound count as 0.
 */
export function chunkWithin(
  names: readonly string[],
  bounds: ReadonlyMap<string, number>,
  maxBytes: number,
  maxCount: number,
): string[][] {
  const out: string[][] = [];
  let run: string[] = [];
  let bytes = 0;
  for (const name of names) {
    const b = bounds.get(name) ?? 0;
    if (run.length && (run.length >= maxCount || bytes + b > maxBytes)) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(name);
    bytes += b;
  }
  if (run.length) out.push(run);
  return out;
}
