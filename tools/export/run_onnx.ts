// run_onnx.ts — run one ONNX model in onnxruntime-node on one or more cases and compare every
// listed output with a reference .npy (the PyTorch result). A generalisation of
// tools/model/check_onnx.mjs: any number of inputs, any of float32 / int64 / int32, named outputs.
//
//   npx tsx tools/export/run_onnx.ts <model.onnx> <case-dir> [<case-dir> ...] [--tol 1e-4] [--threads 1]
//                                  [--against <reference.onnx>]
//
// With --against, the references are that model's outputs on the same inputs (every output both
// models have; case.json's "outputs" may be empty): a float16 file against its float32 original.
// Inputs are converted to each model's declared type (float32 .npy → float16 where it takes float16).
//
// Each <case-dir> holds case.json:
//   { "inputs":  [ { "name": "x_t", "file": "in_0.npy" }, ... ],      fed by name, dtype from the .npy
//     "outputs": [ { "name": "prediction", "file": "out_0.npy" }, ... ] }
// Prints one JSON line: { ort, inputs, outputs, tol, ok, cases: [ { dir, batch, ok, runMs, error?,
// worstAbsErr, outputs: [ { name, shape, maxAbsErr, maxAbsRef } | { name, error } ] } ] }.
// A case whose run throws (e.g. a batch size frozen into a Reshape) is reported with `error` and
// does not stop the other cases. Exit status 0 when every case is ok, 1 otherwise, 2 on bad usage.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
// The app's own float16 and .npy code, so that the exporter's check converts and reads as the app does.
import { float16Value, toFloat16Bits } from '../../src/core/float16';
import { readNpy as parseNpy } from '../../src/core/npy';

const TYPES: Record<string, 'float32' | 'int64' | 'int32'> = {
  '<f4': 'float32',
  '<i8': 'int64',
  '<i4': 'int32',
};

/** A tensor's values as numbers (float16 decoded from its bits). */
function values(tensor: ort.Tensor): ArrayLike<number | bigint> {
  return tensor.type === 'float16' && tensor.data instanceof Uint16Array
    ? Array.from(tensor.data, float16Value)
    : (tensor.data as ArrayLike<number | bigint>);
}

/** A .npy (float32, int64 or int32; C order) as an ort.Tensor. */
function readNpy(file: string): ort.Tensor {
  const { descr, shape, data } = parseNpy(fs.readFileSync(file));
  const type = TYPES[descr];
  if (!type) throw new Error(`${file}: dtype ${descr} unsupported (float32, int64 or int32)`);
  return new ort.Tensor(type, data as Float32Array | BigInt64Array | Int32Array, shape);
}

type Compared =
  | { name: string; shape: readonly number[]; maxAbsErr: number; maxAbsRef: number }
  | { name: string; error: string; maxAbsErr?: undefined };

function compare(name: string, got: ort.Tensor | undefined, ref: ort.Tensor): Compared {
  if (!got) return { name, error: 'not a graph output' };
  if (ref.dims.join(',') !== got.dims.join(','))
    return { name, error: `shape [${got.dims}] vs reference [${ref.dims}]` };
  let maxAbsErr = 0;
  let maxAbsRef = 0;
  const want = values(ref);
  const have = values(got);
  for (let i = 0; i < want.length; i++) {
    const r = Number(want[i]);
    const e = Math.abs(r - Number(have[i]));
    // NaN on either side must fail, so compare with !(e <= max) rather than e > max.
    if (!(e <= maxAbsErr)) maxAbsErr = Number.isNaN(e) ? Infinity : e;
    maxAbsRef = Math.max(maxAbsRef, Math.abs(r));
  }
  return { name, shape: got.dims, maxAbsErr, maxAbsRef };
}

/** Feeds as `session` declares its inputs: float32 tensors become float16 where it takes float16. */
function feedsFor(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) {
    const meta = session.inputMetadata?.find((m) => m.name === name);
    const want = meta?.isTensor ? meta.type : undefined;
    out[name] =
      want === 'float16' && t.type === 'float32'
        ? new ort.Tensor('float16', toFloat16Bits(t.data as Float32Array), t.dims)
        : t;
  }
  return out;
}

/** case.json: the inputs fed by name and the reference outputs, each a .npy beside it. */
interface CaseSpec {
  inputs: { name: string; file: string }[];
  outputs: { name: string; file: string }[];
}

interface CaseRow {
  dir: string;
  batch: number;
  ok: boolean;
  runMs?: number;
  error?: string;
  worstAbsErr?: number;
  outputs?: Compared[];
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h') || args.length < 2) {
    console.log(
      'usage: npx tsx tools/export/run_onnx.ts <model.onnx> <case-dir>... [--tol 1e-4] [--threads 1] [--against <reference.onnx>]',
    );
    return args.length < 2 && !args.includes('--help') && !args.includes('-h') ? 2 : 0;
  }
  const opt = (flag: string, def: string | null): string | null => {
    const i = args.indexOf(flag);
    if (i < 0) return def;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const tol = Number(opt('--tol', '1e-4'));
  const threads = Number(opt('--threads', '1'));
  const against = opt('--against', null);
  const [modelPath, ...dirs] = args;
  const options = { intraOpNumThreads: threads, interOpNumThreads: 1 };
  const session = await ort.InferenceSession.create(modelPath, options);
  const reference = against ? await ort.InferenceSession.create(against, options) : null;
  const cases: CaseRow[] = [];
  for (const dir of dirs) {
    const spec: CaseSpec = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
    const feeds = Object.fromEntries(spec.inputs.map((i) => [i.name, readNpy(path.join(dir, i.file))]));
    const batch = feeds[spec.inputs[0].name].dims[0];
    const row: CaseRow = { dir, batch, ok: false };
    try {
      const t0 = performance.now();
      const out = await session.run(feedsFor(session, feeds));
      row.runMs = Math.round((performance.now() - t0) * 10) / 10;
      if (reference) {
        const refs = await reference.run(feedsFor(reference, feeds));
        const names = reference.outputNames.filter((n) => session.outputNames.includes(n));
        row.outputs = names.map((n) => compare(n, out[n], refs[n]));
      } else
        row.outputs = spec.outputs.map((o) => compare(o.name, out[o.name], readNpy(path.join(dir, o.file))));
      row.worstAbsErr = Math.max(...row.outputs.map((r) => r.maxAbsErr ?? Infinity));
      row.ok = row.outputs.every((r) => r.maxAbsErr !== undefined && r.maxAbsErr <= tol);
    } catch (error) {
      row.error = error instanceof Error ? error.message : String(error);
    }
    cases.push(row);
  }
  const report = {
    ort: ort.env.versions?.node ?? '?',
    inputs: session.inputNames,
    outputs: session.outputNames,
    tol,
    ok: cases.every((c) => c.ok),
    cases,
  };
  console.log(JSON.stringify(report));
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
