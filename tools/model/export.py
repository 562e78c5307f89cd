"""Export the trained U-Net to ONNX and write its DiffProbe manifest.

Makes, in --out-dir (default public/models/fashion-mnist-ddpm/):
  model.onnx     opset 17; inputs x_t [N,1,28,28] float32 and t [N] float32; outputs eps, then the
                 16 U-Net blocks in forward order; dynamic batch axis everywhere
  manifest.json  the docs/manifest.md contract (blocks, skips, schedule, preprocessing, training facts)
and build/export/<out-dir name>.pt, a snapshot of exactly the exported weights (fixtures.py uses it).

Checks before anything is moved into place: onnx.checker (full_check), graph input/output names,
ONNX-vs-PyTorch parity in onnxruntime-node (tools/model/check_onnx.mjs, when node is available),
the 20 MB size limit, and afterwards the app's own manifest validator (`npm run cli -- validate`)
when the CLI exists.

    /usr/bin/python3 tools/model/export.py                      # EMA weights of build/model/ckpt.pt
    /usr/bin/python3 tools/model/export.py --weights net
    /usr/bin/python3 tools/model/export.py --random-init --seed 0 --out-dir build/export/random-init
"""
from __future__ import annotations

import argparse
import copy
import csv
import json
import os
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
import torch

# Known harmless export chatter: math.sqrt(c) of a channel count, and prim::Constant shape inference.
warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
warnings.filterwarnings("ignore", message="The shape inference of prim::Constant")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from common import (DEFAULT_CKPT, DEFAULT_MODEL_DIR, ROOT, be_nice, load_net, print_parity,  # noqa: E402
                    random_net, run_check_onnx, sha256_file, sha256_state)
from unet import ExportWrapper, UNet  # noqa: E402

MAX_BYTES = 20 * 1000 * 1000
OPSET = 17


def find_skips(net: UNet) -> list[dict]:
    """Which block output is concatenated into which up block, found by running the network:
    an up block's input is cat([h, skip]), so its trailing channels equal the skip tensor.
    Only block -> block pairs are reported (skips from the stem conv or a downsample conv are not
    blocks). Weights are jittered on a copy so that no two blocks coincide (zero-init branches)."""
    probe = copy.deepcopy(net).eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in probe.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g))
    inputs: list[torch.Tensor] = []
    hooks = [m.register_forward_pre_hook(lambda _m, a: inputs.append(a[0])) for m in probe.up]
    with torch.no_grad():
        _, blocks = probe(torch.randn(1, 1, 28, 28, generator=g), torch.tensor([10.0]), return_blocks=True)
    for h in hooks:
        h.remove()
    up_names = [b["name"] for b in probe.block_meta if b["stage"] == "up"]
    assert len(up_names) == len(inputs)
    skips = []
    for to, x in zip(up_names, inputs):
        for name, b in zip(probe.block_names, blocks):
            c = b.shape[1]
            if b.shape[2:] == x.shape[2:] and x.shape[1] > c and torch.equal(x[:, -c:], b):
                skips.append({"from": name, "to": to})
    return skips


def training_facts(info: dict, net: UNet, batch: int, loss_csv: str) -> dict:
    facts = {"steps": info["step"], "batch": batch, "params": sum(p.numel() for p in net.parameters()),
             "weights": info["weights"], "ema": 0.999 if info["weights"] == "ema" else None,
             "ch": net.ch, "channelMults": list(net.mults), "numResBlocks": net.num_res,
             "dropout": info["config"].get("dropout"), "objective": "epsilon MSE, t uniform in 0..999",
             "data": "Fashion-MNIST train split (60,000), random horizontal flips",
             "weightsSha256": sha256_state(net.state_dict()), "trainedOn": info["config"].get("device")}
    if os.path.exists(loss_csv):
        with open(loss_csv) as f:
            rows = [r for r in csv.DictReader(f) if int(r["step"]) <= info["step"]]
        if rows:
            facts["peakLr"] = max(float(r["lr"]) for r in rows)
            last = rows[-20:]
            facts["finalLoss"] = round(sum(float(r["loss"]) for r in last) / len(last), 5)
            # "seconds" restarts from 0 in every (resumed) run: add up the last value of each run
            secs = [float(r["seconds"]) for r in rows]
            facts["trainSeconds"] = round(sum(a for a, b in zip(secs, secs[1:] + [-1.0]) if b < a), 1)
    return {k: v for k, v in facts.items() if v is not None}


def parity_cases(net: UNet, n: int, seed: int, out_dir: str) -> None:
    """Writes x_t, t and torch reference outputs (check_onnx.mjs layout) for n test images."""
    images, _ = data.load("t10k")
    x0 = torch.from_numpy(data.to_model_input(images[:n]))
    rng = np.random.default_rng(seed)
    noise = torch.from_numpy(rng.standard_normal(x0.shape).astype(np.float32))
    t = torch.tensor(np.linspace(0, 999, n).round(), dtype=torch.float32)
    from unet import alphas_cumprod
    a = alphas_cumprod()[t.long()].float()[:, None, None, None]
    x_t = a.sqrt() * x0 + (1 - a).sqrt() * noise
    with torch.no_grad():
        eps, blocks = net(x_t, t, return_blocks=True)
    np.save(os.path.join(out_dir, "x_t.npy"), x_t.numpy())
    np.save(os.path.join(out_dir, "t.npy"), t.numpy())
    np.save(os.path.join(out_dir, "eps.npy"), eps.numpy())
    for name, b in zip(net.block_names, blocks):
        np.save(os.path.join(out_dir, f"block_{name}.npy"), b.numpy())
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump({"outputs": ["eps", *net.block_names]}, f)


def manifest_for(net: UNet, onnx_name: str, onnx_path: str, name: str, description: str, training: dict) -> dict:
    return {
        "format": "diffprobe-manifest",
        "version": 1,
        "name": name,
        "description": description,
        "model": {"file": onnx_name, "bytes": os.path.getsize(onnx_path), "sha256": sha256_file(onnx_path)},
        "input": {"name": "x_t", "channels": 1, "height": 28, "width": 28, "range": [-1, 1]},
        "timestep": {"name": "t", "dtype": "float32"},
        # Fashion-MNIST garments are light on a black background; photos are usually dark-on-light,
        # so invert "auto" tells the app to invert images with a light background (docs/manifest.md).
        "preprocessing": {"resize": "shorter-side-center-crop", "color": "grayscale",
                          "mean": [0.5], "std": [0.5], "invert": "auto"},
        "prediction": {"type": "epsilon", "output": "eps"},
        "schedule": {"type": "linear", "betaStart": 0.0001, "betaEnd": 0.02, "steps": 1000},
        "classes": list(data.CLASSES),
        # Relative to the manifest, wherever it is written (public/models/… or build/export/…).
        "dataset": os.path.relpath(os.path.join(ROOT, "public", "data", "fashion-mnist", "dataset.json"),
                                   os.path.dirname(onnx_path)).replace(os.sep, "/"),
        "blocks": [{"name": b["name"], "output": b["name"], "stage": b["stage"], "level": b["level"],
                    "resolution": list(b["resolution"]), "channels": b["channels"]} for b in net.block_meta],
        "skips": find_skips(net),
        "training": training,
    }


def validate_with_cli(manifest_path: str) -> None:
    tsx = os.path.join(ROOT, "node_modules", ".bin", "tsx")
    if not os.path.exists(tsx):
        print("note: node_modules/.bin/tsx not found; app-side manifest validation skipped")
        return
    with open(os.path.join(ROOT, "package.json")) as f:
        if "cli" not in json.load(f).get("scripts", {}):
            print("note: package.json has no 'cli' script yet; app-side manifest validation skipped")
            return
    p = subprocess.run(["npm", "run", "--silent", "cli", "--", "validate", manifest_path], cwd=ROOT,
                       capture_output=True, text=True)
    out = (p.stdout + p.stderr).strip()
    if p.returncode != 0:
        raise SystemExit(f"manifest validation FAILED (exit {p.returncode}):\n{out}")
    print(f"  cli validate: OK{(' - ' + out) if out else ''}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", default=DEFAULT_CKPT, help="training checkpoint (default build/model/ckpt.pt)")
    ap.add_argument("--weights", choices=["ema", "net"], default="ema", help="which weights of the checkpoint")
    ap.add_argument("--random-init", action="store_true", help="export an untrained network of the same shape")
    ap.add_argument("--seed", type=int, default=0, help="seed for --random-init and the parity inputs")
    ap.add_argument("--ch", type=int, default=32, help="base channels for --random-init")
    ap.add_argument("--out-dir", default=None,
                    help="default public/models/fashion-mnist-ddpm (build/export/random-init with --random-init)")
    ap.add_argument("--name", default=None, help="manifest name")
    ap.add_argument("--batch", type=int, default=None,
                    help="training batch size, recorded in the manifest (default: the checkpoint's, else 64)")
    ap.add_argument("--loss-csv", default=None, help="training loss log (default: next to --ckpt)")
    ap.add_argument("--tol", type=float, default=1e-3, help="max abs ONNX-vs-torch error allowed")
    ap.add_argument("--no-parity", action="store_true", help="skip the onnxruntime-node parity check")
    args = ap.parse_args()
    be_nice()

    if args.random_init:
        net = random_net(args.seed, args.ch)
        info = {"step": 0, "config": {"ch": args.ch, "dropout": 0.0}, "weights": f"random-init seed {args.seed}"}
        out_dir = args.out_dir or os.path.join(ROOT, "build", "export", "random-init")
        name = args.name or f"Fashion-MNIST DDPM shape, random init (seed {args.seed})"
        training = {"steps": 0, "batch": 0, "params": sum(p.numel() for p in net.parameters()),
                    "weights": "random-init", "seed": args.seed, "ch": args.ch,
                    "weightsSha256": sha256_state(net.state_dict())}
        description = ("Untrained U-Net of the same shape as the default model (PyTorch default init; "
                       "residual branches zero-initialised). A baseline for probes.")
    else:
        net, info = load_net(args.ckpt, args.weights)
        out_dir = args.out_dir or DEFAULT_MODEL_DIR
        name = args.name or "Fashion-MNIST DDPM (DiffProbe default)"
        loss_csv = args.loss_csv or os.path.join(os.path.dirname(args.ckpt), "loss.csv")
        training = training_facts(info, net, args.batch or info["config"].get("batch", 64), loss_csv)
        description = (f"Epsilon-predicting DDPM U-Net ({training['params']:,} parameters) trained by DiffProbe on "
                       f"Fashion-MNIST for {info['step']:,} steps ({info['weights']} weights). Inputs are 28x28 "
                       "grayscale in [-1, 1], light garment on a black background; images on a light background are inverted.")
    net.eval()
    print(f"exporting {info['weights']} weights, step {info['step']}, ch={net.ch} -> {out_dir}")
    os.makedirs(out_dir, exist_ok=True)

    wrapper = ExportWrapper(net).eval()  # export resets train flags from this module down: keep it eval
    out_names = ["eps", *net.block_names]
    tmp_onnx = os.path.join(out_dir, ".model.onnx.tmp")
    x = torch.randn(2, 1, 28, 28)
    t = torch.tensor([3.0, 700.0], dtype=torch.float32)
    with torch.no_grad():
        torch.onnx.export(wrapper, (x, t), tmp_onnx, opset_version=OPSET, input_names=["x_t", "t"],
                          output_names=out_names, dynamic_axes={n: {0: "N"} for n in ["x_t", "t", *out_names]},
                          do_constant_folding=True)
    assert not wrapper.training and not net.training

    model = onnx.load(tmp_onnx)
    onnx.checker.check_model(model, full_check=True)
    ins = [i.name for i in model.graph.input]
    outs = [o.name for o in model.graph.output]
    assert ins == ["x_t", "t"], ins
    assert outs == out_names, outs
    assert model.graph.input[1].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    ops = sorted({n.op_type for n in model.graph.node})
    assert "Dropout" not in ops, "dropout left in the graph"
    size = os.path.getsize(tmp_onnx)
    print(f"  check_model(full_check=True): OK   {size / 1e6:.2f} MB, {len(model.graph.node)} nodes, ops {ops}")
    if size > MAX_BYTES:
        raise SystemExit(f"model.onnx is {size} bytes > {MAX_BYTES}")

    parity = None
    if not args.no_parity:
        with tempfile.TemporaryDirectory() as d:
            parity_cases(net, 4, args.seed, d)
            parity = run_check_onnx(tmp_onnx, d, args.tol)
        if parity is not None:
            print_parity(parity)
            if not parity["ok"]:
                raise SystemExit("ONNX parity check FAILED; nothing moved into place")

    onnx_path = os.path.join(out_dir, "model.onnx")
    os.replace(tmp_onnx, onnx_path)
    manifest = manifest_for(net, "model.onnx", onnx_path, name, description, training)
    if parity is not None:
        manifest["training"]["onnxParityMaxAbsErr"] = float(f"{parity['worstAbsErr']:.3g}")
    manifest_path = os.path.join(out_dir, "manifest.json")
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    snap = os.path.join(ROOT, "build", "export", os.path.basename(os.path.normpath(out_dir)) + ".pt")
    os.makedirs(os.path.dirname(snap), exist_ok=True)
    torch.save({"state": net.state_dict(), "config": info["config"], "step": info["step"],
                "weights": info["weights"], "onnx_sha256": manifest["model"]["sha256"]}, snap + ".tmp")
    os.replace(snap + ".tmp", snap)
    print(f"  wrote {onnx_path} ({manifest['model']['bytes']:,} bytes, sha256 {manifest['model']['sha256'][:16]}…)")
    print(f"  wrote {manifest_path} ({len(manifest['blocks'])} blocks, skips "
          f"{', '.join(s['from'] + '->' + s['to'] for s in manifest['skips'])})")
    print(f"  wrote {snap} (weights snapshot for fixtures.py)")
    validate_with_cli(manifest_path)
    print("  remember: regenerate fixtures (tools/model/fixtures.py) after every export")


if __name__ == "__main__":
    main()
