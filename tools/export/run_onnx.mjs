#!/usr/bin/env node
// run_onnx.mjs — run one ONNX model in onnxruntime-node on one or more cases and compare every
// listed output with a reference .npy (the PyTorch result). A generalisation of
// tools/model/check_onnx.mjs: any number of inputs, any of float32 / int64 / int32, named outputs.
//
//   node tools/export/run_onnx.mjs <model.onnx> <case-dir> [<case-dir> ...] [--tol 1e-4] [--threads 1]
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

const DTYPES = { '<f4': 'float32', '<i8': 'int64', '<i4': 'int32', '<f2': 'float16' };

/** A binary16 bit pattern's value (float16 models' inputs and outputs travel as Uint16Array bits). */
function halfValue(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** A tensor's values as numbers (float16 decoded from its bits). */
function values(tensor) {
  return tensor.type === 'float16' && tensor.data instanceof Uint16Array
    ? Array.from(tensor.data, halfValue)
    : tensor.data;
}

/** Minimal .npy reader (C order; float32, int64, int32) -> ort.Tensor. */
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${file}: not .npy`);
  const major = buf.readUInt8(6);
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: fortran order unsupported`);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const type = DTYPES[descr];
  if (!type) throw new Error(`${file}: dtype ${descr} unsupported`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const width = type === 'int64' ? 8 : type === 'float16' ? 2 : 4;
  // Copy: the typed array must be aligned, which a view into the file buffer need not be.
  const bytes = buf.buffer.slice(buf.byteOffset + hstart + hlen, buf.byteOffset + hstart + hlen + n * width);
  const Ctor = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array, float16: Uint16Array }[type];
  return new ort.Tensor(type, new Ctor(bytes), shape);
}

function compare(name, got, ref) {
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

/** float32 → binary16 bits, round to nearest even (as tools/export/fp16.py's numpy cast). */
function halfBits(value) {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = mant >>> 13;
  const rest = mant & 0x1fff;
  let bits = (e << 10) | half;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) bits++;
  return sign | (bits >>> 10 >= 0x1f ? 0x7c00 : bits);
}

/** Feeds as `session` declares its inputs: float32 tensors become float16 where it takes float16. */
function feedsFor(session, feeds) {
  const out = {};
  for (const [name, t] of Object.entries(feeds)) {
    const want = session.inputMetadata?.find((m) => m.name === name)?.type;
    out[name] =
      want === 'float16' && t.type === 'float32'
        ? new ort.Tensor('float16', Uint16Array.from(t.data, halfBits), t.dims)
        : t;
  }
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h') || args.length < 2) {
    console.log(
      'usage: node tools/export/run_onnx.mjs <model.onnx> <case-dir>... [--tol 1e-4] [--threads 1]',
    );
    return args.length < 2 && !args.includes('--help') && !args.includes('-h') ? 2 : 0;
  }
  const opt = (flag, def) => {
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
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const reference = against
    ? await ort.InferenceSession.create(against, { intraOpNumThreads: threads, interOpNumThreads: 1 })
    : null;
  const cases = [];
  for (const dir of dirs) {
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
    const feeds = Object.fromEntries(spec.inputs.map((i) => [i.name, readNpy(path.join(dir, i.file))]));
    const batch = feeds[spec.inputs[0].name].dims[0];
    const row = { dir, batch, ok: false };
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
      row.error = String(error?.message ?? error);
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
