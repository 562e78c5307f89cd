"""The ADM test fixture: guided-diffusion's own UNetModel, small, random weights, exported bare.

    /usr/bin/python3 tools/export/make_adm_fixture.py --guided-diffusion /path/to/guided-diffusion

takes a checkout of openai/guided-diffusion (nothing of it is committed; the tests use only the files
written here) and writes e2e/fixtures/models/adm32/:

  model.onnx        torch.onnx.export of UNetModel(**ADM_TINY) (tools/export/guided_diffusion_models.py:
                    3x32x32, 32 channels, attention at 16 and 8, scale-shift norm, learned sigma,
                    ResBlock up/down-sampling), seed 0, zero-initialised layers redrawn; inputs
                    x [N,3,32,32] float32 and timesteps [N] int64, one output `out` [N,6,H,W]
                    (eps | variance), opset 17, dynamic N; no manifest: the app must work it out
  reference.json    how everything was made, the source commit, and the ONNX node computing every
                    input_blocks.N / middle_block / output_blocks.N output (name, op, tensor)
  x0.npy noise.npy x_t.npy [2,3,32,32] float32, t.npy [2] int64: two cases (test images 0 and 1 of
                    the bundled Fashion-MNIST as the app feeds them to an RGB 32x32 model, at t 100 and 400)
  out.npy           PyTorch's output [2,6,32,32]; x0_pred.npy x̂0 from its first 3 channels (float64 maths)
  <module>.npy      PyTorch's output of the reference blocks (forward hooks)

Every mapping and every array is checked in onnxruntime-node before anything is written
(tolerance 1e-4). Seeded: rerunning rewrites the same files.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_unet import ExportError, export_unet, probing, sha256_file  # noqa: E402
from fp16 import convert_file  # noqa: E402
from onnx_checks import run_cases  # noqa: E402
from guided_diffusion_models import ADM_TINY, build_adm, source_commit  # noqa: E402
from make_e2e_model import (OUT, ROOT, TOL, bilinear_28_to_32, fashion_test, map_to_plain, onnx_io,  # noqa: E402
                            save, verify, write_json)

sys.path.insert(0, os.path.join(ROOT, "tools", "model"))
import rng  # noqa: E402  (the app's noise, bit-identical to src/core/rng.ts)
from unet import alphas_cumprod  # noqa: E402  (linear 1e-4..0.02 over 1000 steps, float64: the app's default)

PATTERNS = ["input_blocks.*", "middle_block", "output_blocks.*"]
# Stored with their PyTorch values: the deepest map and a 16x16 decoder block (the paper's best kind).
REFERENCE_BLOCKS = ["middle_block", "output_blocks.4"]
CASES = [(0, 100), (1, 400)]  # (test image, t)
MAX_ONNX_BYTES = 4_000_000


def through_copies(model: onnx.ModelProto, nodes: dict[str, dict]) -> dict[str, dict]:
    """Each module's tensor traced back through Identity and same-type Casts to the node that computes
    its values (torch writes guided-diffusion's `x.float()` as a Cast, and the skip Concat reads that
    Cast's output), as the app's discovery names blocks (core/onnx/discover-blocks.ts)."""
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type for v in
             [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]}
    producer = {o: n for n in model.graph.node for o in n.output}
    out = {}
    for module, info in nodes.items():
        tensor = info["tensor"]
        while tensor in producer:
            node = producer[tensor]
            src = node.input[0] if node.input else None
            to = next((a.i for a in node.attribute if a.name == "to"), None)
            same = node.op_type == "Identity" or (node.op_type == "Cast" and src is not None
                                                  and types.get(src) == to == types.get(tensor))
            if not same or src not in producer:
                break
            tensor = src
        node = producer[tensor]
        out[module] = {"node": node.name, "op": node.op_type, "tensor": tensor}
    return out


def fp16_errors(path: str, nodes: dict[str, dict], inputs: dict[str, np.ndarray],
                refs: dict[str, np.ndarray]) -> dict[str, dict]:
    """The float16 file's outputs (prediction and module tensors, added as float16 graph outputs)
    against PyTorch's float32 ones: max abs error and the reference's max abs value, per output."""
    model = onnx.load(path)
    for info in nodes.values():
        model.graph.output.append(onnx.helper.make_tensor_value_info(info["tensor"], onnx.TensorProto.FLOAT16, None))
    wanted = {k: v for k, v in refs.items() if k not in nodes}
    wanted.update({nodes[k]["tensor"]: v for k, v in refs.items() if k in nodes})
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "with-outputs.onnx")
        onnx.save(model, tmp)
        case = run_cases(tmp, [(inputs, wanted)], 1e9)["cases"][0]
    if "error" in case:
        raise SystemExit(f"the float16 model failed in onnxruntime-node: {case['error']}")
    by_tensor = {info["tensor"]: m for m, info in nodes.items()}
    return {by_tensor.get(o["name"], o["name"]): {"maxAbsErr": float(f"{o['maxAbsErr']:.3g}"),
                                                  "maxAbsRef": float(f"{o['maxAbsRef']:.3g}")}
            for o in case["outputs"]}


def make(checkout: str, out_dir: str, log) -> None:
    net = build_adm(checkout, "tiny", seed=0)
    g = torch.Generator().manual_seed(0)
    ex_x, ex_t = torch.randn(2, 3, 32, 32, generator=g), torch.tensor([10, 600], dtype=torch.int64)
    # As a user exports it: torch's own output shapes, int64 timesteps (guided-diffusion's sampler
    # feeds th.tensor([t] * n)), all 2·C output channels kept.
    common = dict(input_name="x", timestep_name="timesteps", prediction_name="out", timestep_dtype="int64",
                  learned_variance="learned_range", write_manifest=False, static_output_shapes=False, log=log)
    os.makedirs(out_dir, exist_ok=True)
    log("adm32: plain export")
    plain_res = export_unet(net, ex_x, ex_t, [], out_dir, **common)
    with tempfile.TemporaryDirectory() as d:
        log("adm32: hooked export (to name the nodes)")
        hooked_res = export_unet(net, ex_x, ex_t, PATTERNS, d, check=False, **common)
        hooked = onnx.load(hooked_res.onnx_path)
    modules = [b["name"] for b in hooked_res.blocks]
    plain = onnx.load(plain_res.onnx_path)
    nodes = through_copies(plain, map_to_plain(plain, hooked, modules))

    idx = [i for i, _ in CASES]
    images, labels = fashion_test(idx)
    gray = bilinear_28_to_32(images.astype(np.float64) / 255.0)
    x0 = np.repeat(((gray - 0.5) / 0.5).astype(np.float32)[:, None], 3, axis=1)  # [2,3,32,32]
    noise = np.stack([np.asarray(rng.image_noise(0, x0[k].ravel()), dtype=np.float32).reshape(x0.shape[1:])
                      for k in range(len(idx))])
    abar = alphas_cumprod().double().numpy()
    t = np.array([tt for _, tt in CASES], dtype=np.int64)
    a = np.sqrt(abar[t])[:, None, None, None]
    b = np.sqrt(1 - abar[t])[:, None, None, None]
    x_t = (a * x0.astype(np.float64) + b * noise.astype(np.float64)).astype(np.float32)
    with probing(net, modules, []) as probe, torch.no_grad():
        pred, *blocks = probe(torch.from_numpy(x_t), torch.from_numpy(t))
    by_module = dict(zip(modules, blocks))
    out = pred.numpy()
    # x̂0 as the app computes it (core/noise.ts predictX0), in float64 from the float32 ε̂.
    x0_pred = ((x_t.astype(np.float64) - b * out[:, :3].astype(np.float64)) / a).astype(np.float32)
    refs = {"out": out, **{m: by_module[m].contiguous().numpy() for m in modules}}
    errors = verify(plain_res.onnx_path, nodes, {"x": x_t, "timesteps": t}, refs)

    # The float16 file (a diffusers/optimum-style --fp16 export) and how far it is from float32.
    fp16_path = convert_file(plain_res.onnx_path, os.path.join(out_dir, "model-fp16.onnx"), image_input="x")
    fp16 = fp16_errors(fp16_path, nodes, {"x": x_t.astype(np.float16), "timesteps": t}, refs)
    log("adm32 float16 vs PyTorch float32: " + ", ".join(f"{k} {v['maxAbsErr']:.2e}" for k, v in fp16.items()
                                                           if k in ("out", *REFERENCE_BLOCKS)))

    for old in os.listdir(out_dir):
        if old.endswith(".npy"):
            os.remove(os.path.join(out_dir, old))
    arrays = {"x0": x0, "noise": noise.astype(np.float32), "x_t": x_t, "t": t, "out": out, "x0_pred": x0_pred,
              **{m: refs[m] for m in REFERENCE_BLOCKS}}
    for key, arr in arrays.items():
        save(os.path.join(out_dir, f"{key}.npy"), arr)
    meta = {b["name"]: b for b in hooked_res.blocks}
    commit = source_commit(checkout)
    reference = {
        "about": "openai/guided-diffusion's UNetModel (the paper's ADM), built from its source at run time with "
                 "seeded random weights (zero-initialised layers redrawn); made by tools/export/make_adm_fixture.py. "
                 "No manifest on purpose: the app must work the model out.",
        "source": {"repository": "openai/guided-diffusion", "commit": commit,
                   "class": "guided_diffusion.unet.UNetModel",
                   "config": {k: list(v) if isinstance(v, tuple) else v for k, v in ADM_TINY.items()},
                   "parameters": sum(p.numel() for p in net.parameters())},
        "model": {"file": "model.onnx", "bytes": os.path.getsize(plain_res.onnx_path),
                  "sha256": sha256_file(plain_res.onnx_path), "opset": 17, "torch": torch.__version__,
                  "nodes": len(plain.graph.node),
                  "ops": sorted({n.op_type for n in plain.graph.node})},
        "inputs": onnx_io(plain, plain.graph.input),
        "outputs": onnx_io(plain, plain.graph.output),
        "prediction": {"type": "epsilon", "output": "out", "variance": "learned_range"},
        "schedule": {"type": "linear", "betaStart": 0.0001, "betaEnd": 0.02, "steps": 1000},
        "cases": [{"index": k, "image": i, "label": int(lab), "t": tt} for k, ((i, tt), lab) in
                  enumerate(zip(CASES, labels))],
        "x0": "test-split images 0 and 1 of public/data/fashion-mnist: v = u8/255 in float64, half-pixel bilinear "
              "28->32 (src = (dst+0.5)*28/32-0.5, edge-clamped), (v-0.5)/0.5, float32, channel repeated 3x",
        "noise": "rng.image_noise(seed 0, x0[k] flattened as float32 C order) reshaped to [3,32,32]",
        "x_t": "float32(sqrt(abar_t) x0 + sqrt(1-abar_t) noise) computed in float64",
        "x0_pred": "float32((x_t - sqrt(1-abar_t) out[:, :3]) / sqrt(abar_t)) computed in float64",
        "seed": 0,
        "alphasCumprodAtT": [float(abar[tt]) for tt in t],
        "files": {k: f"{k}.npy" for k in arrays},
        "shapes": {k: list(a.shape) for k, a in arrays.items()},
        "referenceBlocks": [{"module": m, **nodes[m], "file": f"{m}.npy"} for m in REFERENCE_BLOCKS],
        "blocks": [{"module": m, **nodes[m], "stage": meta[m]["stage"], "level": meta[m]["level"],
                    "resolution": meta[m]["resolution"], "channels": meta[m]["channels"]} for m in modules],
        "tolerance": TOL,
        "onnxMaxAbsErr": errors,
        "float16": {"file": "model-fp16.onnx", "bytes": os.path.getsize(fp16_path),
                    "sha256": sha256_file(fp16_path), "made": "tools/export/fp16.py from model.onnx",
                    "inputs": onnx_io(onnx.load(fp16_path), onnx.load(fp16_path).graph.input),
                    "vsPyTorchFloat32": fp16},
        "batchParityMaxAbsErr": {str(b): float(f"{p['worst']:.3g}") for b, p in plain_res.parity.items()},
    }
    write_json(os.path.join(out_dir, "reference.json"), reference)
    size = os.path.getsize(plain_res.onnx_path)
    if size > MAX_ONNX_BYTES:
        raise SystemExit(f"{plain_res.onnx_path} is {size:,} bytes > {MAX_ONNX_BYTES:,}")
    log(f"adm32: {size:,} bytes, {len(plain.graph.node)} nodes, {len(modules)} modules mapped; "
        f"worst ONNX error {max(errors.values()):.2e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guided-diffusion", required=True, help="path of an openai/guided-diffusion checkout")
    ap.add_argument("--out-dir", default=os.path.join(OUT, "adm32"))
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    try:
        make(args.guided_diffusion, args.out_dir, (lambda _m: None) if args.quiet else print)
    except ExportError as e:
        raise SystemExit(f"export failed: {e}")


if __name__ == "__main__":
    main()
