#!/usr/bin/env node
// run_onnx.mjs — run one ONNX model in onnxruntime-node on one or more cases and compare every
// listed output with a reference .npy (the PyTorch result). A generalisation of
// tools/model/check_onnx.mjs: any number of inputs, any of float32 / int64 / int32, named outputs.
//
//   node tools/export/run_onnx.mjs <model.onnx> <case-dir> [<case-dir> ...] [--tol 1e-4] [--threads 1]
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

const DTYPES = { '<f4': 'float32', '<i8': 'int64', '<i4': 'int32' };

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
  const width = type === 'int64' ? 8 : 4;
  // Copy: the typed array must be aligned, which a view into the file buffer need not be.
  const bytes = buf.buffer.slice(buf.byteOffset + hstart + hlen, buf.byteOffset + hstart + hlen + n * width);
  const Ctor = { float32: Float32Array, int64: BigInt64Array, int32: Int32Array }[type];
  return new ort.Tensor(type, new Ctor(bytes), shape);
}

function compare(name, got, ref) {
  if (!got) return { name, error: 'not a graph output' };
  if (ref.dims.join(',') !== got.dims.join(','))
    return { name, error: `shape [${got.dims}] vs reference [${ref.dims}]` };
  let maxAbsErr = 0;
  let maxAbsRef = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const r = Number(ref.data[i]);
    const e = Math.abs(r - Number(got.data[i]));
    // NaN on either side must fail, so compare with !(e <= max) rather than e > max.
    if (!(e <= maxAbsErr)) maxAbsErr = Number.isNaN(e) ? Infinity : e;
    maxAbsRef = Math.max(maxAbsRef, Math.abs(r));
  }
  return { name, shape: got.dims, maxAbsErr, maxAbsRef };
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
  const [modelPath, ...dirs] = args;
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  const cases = [];
  for (const dir of dirs) {
    const spec = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
    const feeds = Object.fromEntries(spec.inputs.map((i) => [i.name, readNpy(path.join(dir, i.file))]));
    const batch = feeds[spec.inputs[0].name].dims[0];
    const row = { dir, batch, ok: false };
    try {
      const t0 = performance.now();
      const out = await session.run(feeds);
      row.runMs = Math.round((performance.now() - t0) * 10) / 10;
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
