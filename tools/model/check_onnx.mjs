#!/usr/bin/env node
// check_onnx.mjs — run an ONNX U-Net in onnxruntime-node on reference inputs and compare every
// output with the reference (PyTorch) arrays.
//
//   node tools/model/check_onnx.mjs <model.onnx> <case-dir> [--tol 1e-3] [--json] [--threads 1]
//
// <case-dir> holds .npy files (little-endian float32, C order), the layout fixtures.py writes:
//   x_t.npy [N,1,H,W], t.npy [N]           the two inputs (fed as x_t and t, float32)
//   <output>.npy or block_<output>.npy     the reference for each graph output
// index.json in <case-dir>, when present, lists the outputs to check ("outputs"); otherwise every
// graph output that has a reference file is checked.
// Prints the max abs error per output; exits 1 when any exceeds --tol or a reference is missing.
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

function usage(code) {
  console.log(
    'usage: node tools/model/check_onnx.mjs <model.onnx> <case-dir> [--tol 1e-3] [--json] [--threads 1]',
  );
  process.exit(code);
}

/** Minimal .npy reader: float32 (<f4) or int64 (<i8, returned as float32), C order. */
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.readUInt8(0) !== 0x93 || buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${file}: not .npy`);
  const major = buf.readUInt8(6);
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: fortran order unsupported`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = hstart + hlen;
  const bytes = buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + n * (descr === '<i8' ? 8 : 4));
  let data;
  if (descr === '<f4') data = new Float32Array(bytes);
  else if (descr === '<i8') data = Float32Array.from(new BigInt64Array(bytes), Number);
  else throw new Error(`${file}: dtype ${descr} unsupported`);
  return { data, shape };
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) usage(0);
const opt = (name, def) => {
  const i = args.indexOf(name);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const tol = Number(opt('--tol', '1e-3'));
const threads = Number(opt('--threads', '1'));
const json = args.includes('--json');
const pos = args.filter((a) => !a.startsWith('--'));
if (pos.length !== 2) usage(2);
const [modelPath, dir] = pos;

const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
});
const xt = readNpy(path.join(dir, 'x_t.npy'));
const t = readNpy(path.join(dir, 't.npy'));
const feeds = {
  [session.inputNames[0]]: new ort.Tensor('float32', xt.data, xt.shape),
  [session.inputNames[1]]: new ort.Tensor('float32', t.data, t.shape),
};
const indexFile = path.join(dir, 'index.json');
const wanted = fs.existsSync(indexFile) ? JSON.parse(fs.readFileSync(indexFile, 'utf8')).outputs : null;
const names = wanted ?? session.outputNames;
const t0 = performance.now();
const out = await session.run(feeds);
const ms = performance.now() - t0;

const rows = [];
let ok = true;
for (const name of names) {
  const cand = [`${name}.npy`, `block_${name}.npy`]
    .map((f) => path.join(dir, f))
    .find((f) => fs.existsSync(f));
  const got = out[name];
  if (!cand || !got) {
    ok = false;
    rows.push({ name, error: !got ? 'not a graph output' : 'no reference file' });
    continue;
  }
  const ref = readNpy(cand);
  if (ref.shape.join(',') !== got.dims.join(',')) {
    ok = false;
    rows.push({ name, error: `shape ${got.dims} vs reference ${ref.shape}` });
    continue;
  }
  let maxAbsErr = 0;
  let maxAbsRef = 0;
  for (let i = 0; i < ref.data.length; i++) {
    const e = Math.abs(ref.data[i] - got.data[i]);
    if (!(e <= maxAbsErr)) maxAbsErr = Number.isNaN(e) ? Infinity : e;
    maxAbsRef = Math.max(maxAbsRef, Math.abs(ref.data[i]));
  }
  if (!(maxAbsErr <= tol)) ok = false;
  rows.push({ name, shape: got.dims, maxAbsErr, maxAbsRef });
}
const report = {
  model: modelPath,
  ort: ort.env.versions?.node ?? '?',
  inputs: session.inputNames,
  graphOutputs: session.outputNames,
  batch: xt.shape[0],
  runMs: Math.round(ms * 10) / 10,
  tol,
  worstAbsErr: Math.max(...rows.map((r) => r.maxAbsErr ?? Infinity)),
  ok,
  outputs: rows,
};
if (json) {
  console.log(JSON.stringify(report));
} else {
  for (const r of rows) {
    if (r.error) console.log(`${r.name.padEnd(8)} ERROR ${r.error}`);
    else
      console.log(
        `${r.name.padEnd(8)} ${JSON.stringify(r.shape).padEnd(16)} max|err| ${r.maxAbsErr.toExponential(2)}  max|ref| ${r.maxAbsRef.toPrecision(3)}`,
      );
  }
  console.log(
    `worst ${report.worstAbsErr.toExponential(2)} (tol ${tol}) ${ok ? 'OK' : 'FAIL'}  [batch ${report.batch}, ${report.runMs} ms]`,
  );
}
process.exit(ok ? 0 : 1);
