"""Write the models the browser tests open without a manifest, with PyTorch references.

e2e/fixtures/models/rgb32/ (TinyDiffusersLike, seed 0: RGB 3x32x32, int64 timesteps, v-prediction)
  model.onnx        the plain export a user would have: inputs sample [N,3,32,32] float32 and
                    timestep [N] int64, one output out_sample; opset 17, dynamic N
  reference.json    how everything below was made, and for each probed module the ONNX node that
                    computes its output in model.onnx (name, op, output tensor name)
  x0.npy noise.npy x_t.npy [4,3,32,32] float32, t.npy [4] int64 (all 50),
  out_sample.npy    the prediction, <module>.npy the module outputs (PyTorch forward hooks)
e2e/fixtures/models/adm12/ (TinyADMLike, seed 1: 1x12x12 -> 6 -> 3, attention at 3x3, class label y)
  model-with-attention.onnx   plain export: inputs x [N,1,12,12] float32, timesteps [N] float32,
                    y [N] int64; one output eps
  reference.json    inputs, outputs, and the node/tensor of every input_blocks.N, middle_block and
                    output_blocks.N output, for the block-discovery tests
e2e/fixtures/models/tutorial28/ (TinyTutorialUNet, seed 2: 1x28x28 -> 14 -> 7 -> 3, conv blocks without
                    residual additions, ConvTranspose up-sampling, skip concatenations)
  model.onnx        plain export: inputs x [N,1,28,28] float32, t [N] int64; one output eps
  reference.json    inputs, outputs, and the node/tensor of every block (b1..b3, b_mid, b4, b5, b_out)
                    and resampling module (down1..down3, up1..up3), for the decoder-discovery tests

The node names come from a second export of the same network with those modules hooked as graph
outputs (tools/export/export_unet.py): the node computing output "<module>" there has the same name in
the plain export (torch scopes names by module path). Each mapping is then proved numerically: the
tensors are added as outputs of the plain model (an ONNX edit, as the app does) and compared with
PyTorch in onnxruntime-node (tolerance 1e-4). Seeded and deterministic: rerunning rewrites
byte-identical files.

    /usr/bin/python3 tools/export/make_e2e_model.py
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "model"))
import rng  # noqa: E402  (the app's noise, bit-identical to src/core/rng.ts)
from export_unet import ExportError, export_unet, probing, producer_nodes, run_cases, sha256_file  # noqa: E402
from testnets import TinyADMLike, TinyDiffusersLike, TinyTutorialUNet  # noqa: E402
from unet import alphas_cumprod  # noqa: E402  (linear 1e-4..0.02 over 1000 steps, float64)

OUT = os.path.join(ROOT, "e2e", "fixtures", "models")
DATA = os.path.join(ROOT, "public", "data", "fashion-mnist")
RGB_MODULES = ["down_blocks.0.resnets.1", "down_blocks.0.downsamplers.0", "mid_block", "up_blocks.1.resnets.2"]
ADM_PATTERNS = ["input_blocks.*", "middle_block", "output_blocks.*"]
TUTORIAL_BLOCKS = ["b1", "b2", "b3", "b_mid", "b4", "b5", "b_out"]
TUTORIAL_RESAMPLING = ["down1", "down2", "down3", "up1", "up2", "up3"]
TOL = 1e-4
MAX_ONNX_BYTES = 1_500_000


def fashion_test(indices: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """uint8 [K,28,28] images and labels from the bundled test split (what the app itself reads)."""
    images = np.fromfile(os.path.join(DATA, "test-images.u8"), dtype=np.uint8).reshape(-1, 28, 28)
    labels = np.fromfile(os.path.join(DATA, "test-labels.u8"), dtype=np.uint8)
    return images[indices], labels[indices]


def bilinear_28_to_32(img: np.ndarray) -> np.ndarray:
    """Half-pixel bilinear resize of [K,28,28] float64 to [K,32,32] (src = (dst + 0.5) * 28/32 - 0.5,
    clamped at the edges): the same rule as torch's interpolate(align_corners=False) for upscaling."""
    def taps(n_out: int, n_in: int):
        src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, src - lo

    lo, hi, w = taps(32, 28)
    rows = img[:, lo, :] * (1 - w)[None, :, None] + img[:, hi, :] * w[None, :, None]
    return rows[:, :, lo] * (1 - w)[None, None, :] + rows[:, :, hi] * w[None, None, :]


def export_twice(net, ex_x, ex_t, modules: list[str], out_dir: str, tag: str, common: dict):
    """The plain export into out_dir (the file a user would have), then one with `modules` hooked as
    graph outputs in a temporary folder, whose node names find the modules' tensors in the plain one.
    Returns both export results and both graphs."""
    log = common["log"]
    log(f"{tag}: plain export")
    plain_res = export_unet(net, ex_x, ex_t, [], out_dir, **common)
    with tempfile.TemporaryDirectory() as d:
        log(f"{tag}: hooked export (to name the nodes)")
        hooked_res = export_unet(net, ex_x, ex_t, modules, d, check=False, **common)
        hooked = onnx.load(hooked_res.onnx_path)
    return plain_res, hooked_res, onnx.load(plain_res.onnx_path), hooked


def map_to_plain(plain: onnx.ModelProto, hooked: onnx.ModelProto, modules: list[str]) -> dict[str, dict]:
    """The node (by name) and tensor in the plain graph that compute each module's output."""
    nodes = {n.name: n for n in plain.graph.node}
    found = {}
    for module, info in producer_nodes(hooked, modules).items():
        src = next(n for n in hooked.graph.node if n.name == info["node"])
        node = nodes.get(info["node"])
        if node is None or node.op_type != src.op_type:
            raise SystemExit(f"{module}: node {info['node']} ({src.op_type}) not found in the plain export")
        tensor = node.output[list(src.output).index(info["tensor"])]  # same output slot as in the hooked graph
        found[module] = {"node": node.name, "op": node.op_type, "tensor": tensor}
    missing = set(modules) - set(found)
    if missing:
        raise SystemExit(f"no producing node found for {sorted(missing)}")
    return found


def verify(plain_path: str, nodes: dict[str, dict], inputs: dict[str, np.ndarray],
           refs: dict[str, np.ndarray]) -> dict[str, float]:
    """Adds the module tensors as graph outputs of the plain model and compares all with PyTorch."""
    model = onnx.load(plain_path)
    for info in nodes.values():
        model.graph.output.append(onnx.helper.make_tensor_value_info(info["tensor"], onnx.TensorProto.FLOAT, None))
    wanted = {k: v for k, v in refs.items() if k not in nodes}
    wanted.update({nodes[k]["tensor"]: v for k, v in refs.items() if k in nodes})
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "with-outputs.onnx")
        onnx.save(model, path)
        report = run_cases(path, [(inputs, wanted)], TOL)
    case = report["cases"][0]
    if not case["ok"]:
        raise SystemExit(f"ONNX (with added outputs) disagrees with PyTorch: {json.dumps(case)[:2000]}")
    by_tensor = {info["tensor"]: m for m, info in nodes.items()}
    return {by_tensor.get(o["name"], o["name"]): float(f"{o['maxAbsErr']:.3g}") for o in case["outputs"]}


def model_facts(path: str, plain: onnx.ModelProto, file: str) -> dict:
    """The reference's "model", "inputs" and "outputs": the file and its graph's interface."""
    return {"model": {"file": file, "bytes": os.path.getsize(path), "sha256": sha256_file(path), "opset": 17,
                      "torch": torch.__version__},
            "inputs": onnx_io(plain, plain.graph.input), "outputs": onnx_io(plain, plain.graph.output)}


def save(path: str, arr: np.ndarray) -> None:
    np.save(path, np.ascontiguousarray(arr))


def onnx_io(model: onnx.ModelProto, which) -> list[dict]:
    names = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64", onnx.TensorProto.INT32: "int32",
             onnx.TensorProto.FLOAT16: "float16"}
    out = []
    for v in which:
        tt = v.type.tensor_type
        dims = [d.dim_param or d.dim_value for d in tt.shape.dim]
        out.append({"name": v.name, "dtype": names.get(tt.elem_type, str(tt.elem_type)), "shape": dims})
    return out


def make_rgb32(log) -> None:
    out_dir = os.path.join(OUT, "rgb32")
    net = TinyDiffusersLike(seed=0).eval()
    g = torch.Generator().manual_seed(0)
    ex_x, ex_t = torch.randn(2, 3, 32, 32, generator=g), torch.tensor([10, 600], dtype=torch.int64)
    # static_output_shapes=False: the file exactly as torch.onnx.export writes it, as a user would have it.
    common = dict(input_name="sample", timestep_name="timestep", prediction_name="out_sample",
                  prediction_type="v_prediction", timestep_dtype="int64", write_manifest=False,
                  static_output_shapes=False, log=log)
    plain_res, hooked_res, plain, hooked = export_twice(net, ex_x, ex_t, RGB_MODULES, out_dir, "rgb32", common)
    nodes = map_to_plain(plain, hooked, RGB_MODULES)

    # x0: test images 0-3 as the app would feed a gray 28x28 set to an RGB 32x32 model.
    idx = [0, 1, 2, 3]
    images, labels = fashion_test(idx)
    gray = bilinear_28_to_32(images.astype(np.float64) / 255.0)
    x0 = np.repeat(((gray - 0.5) / 0.5).astype(np.float32)[:, None], 3, axis=1)  # [4,3,32,32]
    noise = np.stack([rng.image_noise(0, x0[k].ravel()).reshape(x0.shape[1:]) for k in range(len(idx))])
    t_val = 50
    abar = float(alphas_cumprod()[t_val])
    x_t = (np.sqrt(abar) * x0.astype(np.float64) + np.sqrt(1 - abar) * noise.astype(np.float64)).astype(np.float32)
    t = np.full(len(idx), t_val, dtype=np.int64)
    with probing(net, RGB_MODULES, []) as probe, torch.no_grad():
        pred, *blocks = probe(torch.from_numpy(x_t), torch.from_numpy(t))
    refs = {"out_sample": pred.numpy(), **{m: b.contiguous().numpy() for m, b in zip(RGB_MODULES, blocks)}}
    errors = verify(plain_res.onnx_path, nodes, {"sample": x_t, "timestep": t}, refs)

    for old in os.listdir(out_dir):
        if old.endswith(".npy"):
            os.remove(os.path.join(out_dir, old))
    arrays = {"x0": x0, "noise": noise.astype(np.float32), "x_t": x_t, "t": t, **refs}
    for key, arr in arrays.items():
        save(os.path.join(out_dir, f"{key}.npy"), arr)
    meta = {b["name"]: b for b in hooked_res.blocks}
    reference = {
        "about": "TinyDiffusersLike (tools/export/testnets.py, seed 0), random weights; made by "
                 "tools/export/make_e2e_model.py. No manifest on purpose: the app must work the model out.",
        **model_facts(plain_res.onnx_path, plain, "model.onnx"),
        "prediction": {"type": "v_prediction", "output": "out_sample"},
        "schedule": {"type": "linear", "betaStart": 0.0001, "betaEnd": 0.02, "steps": 1000},
        "cases": [{"index": i, "label": int(lab), "t": t_val} for i, lab in zip(idx, labels)],
        "x0": "test-split images 0-3 of public/data/fashion-mnist: v = u8/255 in float64, half-pixel bilinear "
              "28->32 (src = (dst+0.5)*28/32-0.5, edge-clamped), (v-0.5)/0.5, float32, channel repeated 3x",
        "noise": "rng.image_noise(seed 0, x0[k] flattened as float32 C order) reshaped to [3,32,32]",
        "x_t": "float32(sqrt(abar) x0 + sqrt(1-abar) noise) computed in float64",
        "seed": 0,
        "alphasCumprodAtT": abar,
        "files": {k: f"{k}.npy" for k in arrays},
        "shapes": {k: list(a.shape) for k, a in arrays.items()},
        "dtypes": {k: str(a.dtype) for k, a in arrays.items()},
        "modules": [{"module": m, **nodes[m], "file": f"{m}.npy", "stage": meta[m]["stage"],
                     "level": meta[m]["level"], "resolution": meta[m]["resolution"],
                     "channels": meta[m]["channels"]} for m in RGB_MODULES],
        "tolerance": TOL,
        "onnxMaxAbsErr": errors,
        "batchParityMaxAbsErr": {str(b): float(f"{p['worst']:.3g}") for b, p in plain_res.parity.items()},
    }
    write_json(os.path.join(out_dir, "reference.json"), reference)
    check_size(plain_res.onnx_path)
    log(f"rgb32: {len(arrays)} arrays, nodes " + ", ".join(f"{m} -> {nodes[m]['node']}" for m in RGB_MODULES))


def make_adm12(log) -> None:
    out_dir = os.path.join(OUT, "adm12")
    net = TinyADMLike(seed=1).eval()
    g = torch.Generator().manual_seed(1)
    ex_x, ex_t = torch.randn(2, 1, 12, 12, generator=g), torch.tensor([10.0, 600.0])
    extra = [{"name": "y", "dtype": "int64", "shape": [], "batched": True, "value": 0,
              "example": torch.tensor([3, 7])}]
    common = dict(input_name="x", timestep_name="timesteps", prediction_name="eps", timestep_dtype="float32",
                  extra_inputs=extra, onnx_file="model-with-attention.onnx", write_manifest=False,
                  static_output_shapes=False, log=log)
    plain_res, hooked_res, plain, hooked = export_twice(net, ex_x, ex_t, ADM_PATTERNS, out_dir, "adm12", common)
    modules = [b["name"] for b in hooked_res.blocks]
    nodes = map_to_plain(plain, hooked, modules)

    # Numerical proof of the mapping at batch 3 (not stored: the file stays small).
    r = np.random.default_rng(1)
    x = r.standard_normal((3, 1, 12, 12)).astype(np.float32)
    t = np.array([0.0, 250.5, 999.0], dtype=np.float32)
    y = np.array([0, 4, 9], dtype=np.int64)
    with probing(net, modules, ["y"]) as probe, torch.no_grad():
        pred, *blocks = probe(torch.from_numpy(x), torch.from_numpy(t), torch.from_numpy(y))
    refs = {"eps": pred.numpy(), **{m: b.contiguous().numpy() for m, b in zip(modules, blocks)}}
    errors = verify(plain_res.onnx_path, nodes, {"x": x, "timesteps": t, "y": y}, refs)

    reference = {
        "about": "TinyADMLike (tools/export/testnets.py, seed 1), random weights, guided-diffusion-style names; "
                 "made by tools/export/make_e2e_model.py. For block discovery on a graph with attention and an "
                 "extra input; no manifest.",
        **model_facts(plain_res.onnx_path, plain, "model-with-attention.onnx"),
        "prediction": {"type": "epsilon", "output": "eps"},
        "extraInputs": [{"name": "y", "dtype": "int64", "shape": [], "batched": True, "value": 0,
                         "note": "class label 0..9 added to the time embedding through nn.Embedding"}],
        "blocks": [{"module": b["name"], **nodes[b["name"]], "stage": b["stage"], "level": b["level"],
                    "resolution": b["resolution"], "channels": b["channels"]} for b in hooked_res.blocks],
        "skips": hooked_res.skips,
        "check": {"batch": 3, "t": t.tolist(), "y": y.tolist(), "tolerance": TOL, "onnxMaxAbsErr": errors},
        "batchParityMaxAbsErr": {str(b): float(f"{p['worst']:.3g}") for b, p in plain_res.parity.items()},
    }
    write_json(os.path.join(out_dir, "reference.json"), reference)
    check_size(plain_res.onnx_path)
    log(f"adm12: {len(modules)} blocks mapped to nodes")


def make_tutorial28(log) -> None:
    out_dir = os.path.join(OUT, "tutorial28")
    net = TinyTutorialUNet(seed=2).eval()
    g = torch.Generator().manual_seed(2)
    ex_x, ex_t = torch.randn(2, 1, 28, 28, generator=g), torch.tensor([10, 600], dtype=torch.int64)
    common = dict(input_name="x", timestep_name="t", prediction_name="eps", timestep_dtype="int64",
                  write_manifest=False, static_output_shapes=False, log=log)
    modules = TUTORIAL_BLOCKS + TUTORIAL_RESAMPLING
    plain_res, hooked_res, plain, hooked = export_twice(net, ex_x, ex_t, modules, out_dir, "tutorial28", common)
    nodes = map_to_plain(plain, hooked, modules)

    r = np.random.default_rng(2)
    x = r.standard_normal((3, 1, 28, 28)).astype(np.float32)
    t = np.array([0, 250, 999], dtype=np.int64)
    with probing(net, modules, []) as probe, torch.no_grad():
        pred, *outs = probe(torch.from_numpy(x), torch.from_numpy(t))
    refs = {"eps": pred.numpy(), **{m: o.contiguous().numpy() for m, o in zip(modules, outs)}}
    errors = verify(plain_res.onnx_path, nodes, {"x": x, "t": t}, refs)

    meta = {b["name"]: b for b in hooked_res.blocks}
    entry = lambda m: {"module": m, **nodes[m], "resolution": list(refs[m].shape[2:]),  # noqa: E731
                       "channels": int(refs[m].shape[1]), **({"stage": meta[m]["stage"]} if m in meta else {})}
    reference = {
        "about": "TinyTutorialUNet (tools/export/testnets.py, seed 2), random weights, laid out like the course and "
                 "tutorial Fashion-MNIST DDPMs (conv blocks without residual additions, ConvTranspose up-sampling, "
                 "skip concatenations); made by tools/export/make_e2e_model.py. No manifest: discovery must find "
                 "the decoder blocks, which are only ever inputs of the next up-sampling op.",
        **model_facts(plain_res.onnx_path, plain, "model.onnx"),
        "prediction": {"type": "epsilon", "output": "eps"},
        "blocks": [entry(m) for m in TUTORIAL_BLOCKS],
        "resampling": [entry(m) for m in TUTORIAL_RESAMPLING],
        "check": {"batch": 3, "t": t.tolist(), "tolerance": TOL, "onnxMaxAbsErr": errors},
        "batchParityMaxAbsErr": {str(b): float(f"{p['worst']:.3g}") for b, p in plain_res.parity.items()},
    }
    write_json(os.path.join(out_dir, "reference.json"), reference)
    check_size(plain_res.onnx_path)
    log("tutorial28: " + ", ".join(f"{m} -> {nodes[m]['node']}" for m in modules))


def write_json(path: str, obj) -> None:
    """JSON as the repository's formatter (biome, run by `npm run lint`) wants it; without
    node_modules the plain indent=2 dump stays, which lint would then ask to reformat."""
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    biome = os.path.join(ROOT, "node_modules", ".bin", "biome")
    if os.path.exists(biome):
        p = subprocess.run([biome, "format", "--write", path], cwd=ROOT, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"biome format {path} failed:\n{p.stdout}{p.stderr}")
    else:
        print(f"note: {biome} missing; {os.path.relpath(path, ROOT)} left unformatted")


def check_size(path: str) -> None:
    size = os.path.getsize(path)
    if size > MAX_ONNX_BYTES:
        raise SystemExit(f"{path} is {size:,} bytes > {MAX_ONNX_BYTES:,}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["rgb32", "adm12", "tutorial28"], help="make one of them")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    log = (lambda _m: None) if args.quiet else print
    try:
        if args.only in (None, "rgb32"):
            make_rgb32(log)
        if args.only in (None, "adm12"):
            make_adm12(log)
        if args.only in (None, "tutorial28"):
            make_tutorial28(log)
    except ExportError as e:
        raise SystemExit(f"export failed: {e}")


if __name__ == "__main__":
    main()
